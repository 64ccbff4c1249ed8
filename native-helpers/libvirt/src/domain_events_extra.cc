// Adapters for the domain events domain_events.cc leaves out: graphics, job completed, tunable, block job
// (v1, by path), device removal failed, block threshold, metadata change, PM wakeup / suspend / suspend to
// disk, balloon change, tray change, control error, I/O error (v1), disk change, memory device size change.
//
// Structured payloads. An EventMessage carries scalar fields only (event_loop.h), and the typed parameters
// of job-completed / tunable arrive on the event thread in memory libvirt frees when the callback returns.
// So the callback copies them (CopyTypedParams) and flattens them into fields whose names are paths:
// `stats/downtime`, `params/cputune.vcpu_quota`, `local/node`, `subject/0/type` ('/' never occurs in
// libvirt's field names; a field libvirt repeats becomes `stats/<field>/<i>`). lib/events.ts
// (foldDomainEventPaths, applied by subscribeDomainEvents) folds them back into nested objects and arrays
// on the JS thread, which gives TypedParamsToObject's shape (repeated fields as arrays). Why not fold here:
// the JS object is built by the shared event path (event_loop.cc), and Connection's domainEventRegister is
// a non-writable prototype property, so this module cannot wrap the user's callback natively.
#include "domain_events_extra.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "domain_events.h"
#include "event_loop.h"
#include "typed_params.h"

namespace tandem {

namespace {

// ---- event thread: libvirt callback -> EventMessage ----

std::string Str(const char* s) { return s != nullptr ? s : ""; }

EventValue ToEventValue(const TypedParam& p) {
  return std::visit(
      [](const auto& v) -> EventValue {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::string> || std::is_same_v<V, bool> || std::is_same_v<V, double>) {
          return v;
        } else if constexpr (std::is_same_v<V, unsigned long long>) {
          // Beyond int64: a double, as TypedParamsToObject gives every number anyway.
          if (v > static_cast<unsigned long long>(INT64_MAX)) return static_cast<double>(v);
          return static_cast<int64_t>(v);
        } else {
          return static_cast<int64_t>(v);
        }
      },
      p.value);
}

// Copies libvirt's parameters (freed once the callback returns) into `group/<field>` fields.
void AddTypedParams(EventMessage& m, const std::string& group, virTypedParameterPtr params, int nparams) {
  TypedParamList list = CopyTypedParams(params, nparams);
  std::map<std::string, int> count;
  for (const TypedParam& p : list) count[p.field]++;
  std::map<std::string, int> seen;
  for (const TypedParam& p : list) {
    std::string key = group + "/" + p.field;
    if (count[p.field] > 1) key += "/" + std::to_string(seen[p.field]++);
    m.Add(key, ToEventValue(p));
  }
}

void AddGraphicsAddress(EventMessage& m, const std::string& group, const virDomainEventGraphicsAddress* a) {
  if (a == nullptr) return;  // libvirt always passes both addresses; stay safe if a driver does not
  m.Add(group + "/family", static_cast<int64_t>(a->family));  // virDomainEventGraphicsAddressType
  m.Add(group + "/node", Str(a->node));
  m.Add(group + "/service", Str(a->service));
}

void OnGraphics(virConnectPtr, virDomainPtr dom, int phase, const virDomainEventGraphicsAddress* local,
                const virDomainEventGraphicsAddress* remote, const char* authScheme,
                const virDomainEventGraphicsSubject* subject, void* opaque) {
  EventMessage m = DomainMessage(dom, "graphics");
  m.Add("phase", static_cast<int64_t>(phase));  // virDomainEventGraphicsPhase
  AddGraphicsAddress(m, "local", local);
  AddGraphicsAddress(m, "remote", remote);
  m.Add("authScheme", Str(authScheme));
  for (int i = 0; subject != nullptr && i < subject->nidentity; i++) {
    std::string prefix = "subject/" + std::to_string(i) + "/";
    m.Add(prefix + "type", Str(subject->identities[i].type));
    m.Add(prefix + "name", Str(subject->identities[i].name));
  }
  SinkOf(opaque).Post(std::move(m));
}

void OnJobCompleted(virConnectPtr, virDomainPtr dom, virTypedParameterPtr params, int nparams, void* opaque) {
  EventMessage m = DomainMessage(dom, "job-completed");
  AddTypedParams(m, "stats", params, nparams);
  SinkOf(opaque).Post(std::move(m));
}

void OnTunable(virConnectPtr, virDomainPtr dom, virTypedParameterPtr params, int nparams, void* opaque) {
  EventMessage m = DomainMessage(dom, "tunable");
  AddTypedParams(m, "params", params, nparams);
  SinkOf(opaque).Post(std::move(m));
}

// VIR_DOMAIN_EVENT_ID_BLOCK_JOB: the older event, which names the disk by its source path.
void OnBlockJobPath(virConnectPtr, virDomainPtr dom, const char* path, int type, int status, void* opaque) {
  EventMessage m = DomainMessage(dom, "block-job-path");
  m.Add("path", Str(path));
  m.Add("type", static_cast<int64_t>(type));      // virDomainBlockJobType
  m.Add("status", static_cast<int64_t>(status));  // virConnectDomainEventBlockJobStatus
  SinkOf(opaque).Post(std::move(m));
}

void OnDeviceRemovalFailed(virConnectPtr, virDomainPtr dom, const char* devAlias, void* opaque) {
  EventMessage m = DomainMessage(dom, "device-removal-failed");
  m.Add("devAlias", Str(devAlias));
  SinkOf(opaque).Post(std::move(m));
}

void OnBlockThreshold(virConnectPtr, virDomainPtr dom, const char* dev, const char* path,
                      unsigned long long threshold, unsigned long long excess, void* opaque) {
  EventMessage m = DomainMessage(dom, "block-threshold");
  m.Add("dev", Str(dev));
  m.Add("path", Str(path));
  m.Add("threshold", static_cast<double>(threshold));
  m.Add("excess", static_cast<double>(excess));
  SinkOf(opaque).Post(std::move(m));
}

void OnMetadataChange(virConnectPtr, virDomainPtr dom, int type, const char* nsuri, void* opaque) {
  EventMessage m = DomainMessage(dom, "metadata-change");
  m.Add("type", static_cast<int64_t>(type));  // virDomainMetadataType
  m.Add("nsuri", Str(nsuri));                 // "" unless type is VIR_DOMAIN_METADATA_ELEMENT
  SinkOf(opaque).Post(std::move(m));
}

// PM wakeup / suspend / suspend-to-disk share a signature; `reason` is always 0 in libvirt today.
template <const char* Event>
void OnPm(virConnectPtr, virDomainPtr dom, int reason, void* opaque) {
  EventMessage m = DomainMessage(dom, Event);
  m.Add("reason", static_cast<int64_t>(reason));
  SinkOf(opaque).Post(std::move(m));
}
constexpr char kPmWakeup[] = "pm-wakeup";
constexpr char kPmSuspend[] = "pm-suspend";
constexpr char kPmSuspendDisk[] = "pm-suspend-disk";

void OnBalloonChange(virConnectPtr, virDomainPtr dom, unsigned long long actualKiB, void* opaque) {
  EventMessage m = DomainMessage(dom, "balloon-change");
  m.Add("actual", static_cast<double>(actualKiB));
  SinkOf(opaque).Post(std::move(m));
}

void OnTrayChange(virConnectPtr, virDomainPtr dom, const char* devAlias, int reason, void* opaque) {
  EventMessage m = DomainMessage(dom, "tray-change");
  m.Add("devAlias", Str(devAlias));
  m.Add("reason", static_cast<int64_t>(reason));  // virDomainEventTrayChangeReason
  SinkOf(opaque).Post(std::move(m));
}

void OnControlError(virConnectPtr, virDomainPtr dom, void* opaque) {
  SinkOf(opaque).Post(DomainMessage(dom, "control-error"));
}

// VIR_DOMAIN_EVENT_ID_IO_ERROR: the older event, without the reason.
void OnIoError(virConnectPtr, virDomainPtr dom, const char* srcPath, const char* devAlias, int action, void* opaque) {
  EventMessage m = DomainMessage(dom, "io-error-v1");
  m.Add("srcPath", Str(srcPath));
  m.Add("devAlias", Str(devAlias));
  m.Add("action", static_cast<int64_t>(action));  // virDomainEventIOErrorAction
  SinkOf(opaque).Post(std::move(m));
}

void OnDiskChange(virConnectPtr, virDomainPtr dom, const char* oldSrcPath, const char* newSrcPath,
                  const char* devAlias, int reason, void* opaque) {
  EventMessage m = DomainMessage(dom, "disk-change");
  m.Add("oldSrcPath", Str(oldSrcPath));
  m.Add("newSrcPath", Str(newSrcPath));
  m.Add("devAlias", Str(devAlias));
  m.Add("reason", static_cast<int64_t>(reason));  // virConnectDomainEventDiskChangeReason
  SinkOf(opaque).Post(std::move(m));
}

void OnMemoryDeviceSizeChange(virConnectPtr, virDomainPtr dom, const char* alias, unsigned long long sizeKiB,
                              void* opaque) {
  EventMessage m = DomainMessage(dom, "memory-device-size-change");
  m.Add("alias", Str(alias));
  m.Add("size", static_cast<double>(sizeKiB));
  SinkOf(opaque).Post(std::move(m));
}

}  // namespace

virConnectDomainEventGenericCallback DomainEventExtraCallbackFor(int eventId) {
  switch (eventId) {
    case VIR_DOMAIN_EVENT_ID_GRAPHICS: return VIR_DOMAIN_EVENT_CALLBACK(OnGraphics);
    case VIR_DOMAIN_EVENT_ID_JOB_COMPLETED: return VIR_DOMAIN_EVENT_CALLBACK(OnJobCompleted);
    case VIR_DOMAIN_EVENT_ID_TUNABLE: return VIR_DOMAIN_EVENT_CALLBACK(OnTunable);
    case VIR_DOMAIN_EVENT_ID_BLOCK_JOB: return VIR_DOMAIN_EVENT_CALLBACK(OnBlockJobPath);
    case VIR_DOMAIN_EVENT_ID_DEVICE_REMOVAL_FAILED: return VIR_DOMAIN_EVENT_CALLBACK(OnDeviceRemovalFailed);
    case VIR_DOMAIN_EVENT_ID_BLOCK_THRESHOLD: return VIR_DOMAIN_EVENT_CALLBACK(OnBlockThreshold);
    case VIR_DOMAIN_EVENT_ID_METADATA_CHANGE: return VIR_DOMAIN_EVENT_CALLBACK(OnMetadataChange);
    case VIR_DOMAIN_EVENT_ID_PMWAKEUP: return VIR_DOMAIN_EVENT_CALLBACK(OnPm<kPmWakeup>);
    case VIR_DOMAIN_EVENT_ID_PMSUSPEND: return VIR_DOMAIN_EVENT_CALLBACK(OnPm<kPmSuspend>);
    case VIR_DOMAIN_EVENT_ID_PMSUSPEND_DISK: return VIR_DOMAIN_EVENT_CALLBACK(OnPm<kPmSuspendDisk>);
    case VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE: return VIR_DOMAIN_EVENT_CALLBACK(OnBalloonChange);
    case VIR_DOMAIN_EVENT_ID_TRAY_CHANGE: return VIR_DOMAIN_EVENT_CALLBACK(OnTrayChange);
    case VIR_DOMAIN_EVENT_ID_CONTROL_ERROR: return VIR_DOMAIN_EVENT_CALLBACK(OnControlError);
    case VIR_DOMAIN_EVENT_ID_IO_ERROR: return VIR_DOMAIN_EVENT_CALLBACK(OnIoError);
    case VIR_DOMAIN_EVENT_ID_DISK_CHANGE: return VIR_DOMAIN_EVENT_CALLBACK(OnDiskChange);
    case VIR_DOMAIN_EVENT_ID_MEMORY_DEVICE_SIZE_CHANGE: return VIR_DOMAIN_EVENT_CALLBACK(OnMemoryDeviceSizeChange);
    default: return nullptr;
  }
}

}  // namespace tandem
