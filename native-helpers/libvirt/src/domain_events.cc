#include "domain_events.h"

#include <memory>

#include "domain_events_extra.h"
#include "event_loop.h"

namespace tandem {

namespace {


std::string Str(const char* s) { return s != nullptr ? s : ""; }

void OnLifecycle(virConnectPtr, virDomainPtr dom, int event, int detail, void* opaque) {
  EventMessage m = DomainMessage(dom, "lifecycle");
  m.Add("type", static_cast<int64_t>(event));
  m.Add("detail", static_cast<int64_t>(detail));
  SinkOf(opaque).Post(std::move(m));
}

void OnReboot(virConnectPtr, virDomainPtr dom, void* opaque) { SinkOf(opaque).Post(DomainMessage(dom, "reboot")); }

void OnRtcChange(virConnectPtr, virDomainPtr dom, long long utcOffset, void* opaque) {
  EventMessage m = DomainMessage(dom, "rtc-change");
  m.Add("utcOffset", static_cast<int64_t>(utcOffset));
  SinkOf(opaque).Post(std::move(m));
}

void OnWatchdog(virConnectPtr, virDomainPtr dom, int action, void* opaque) {
  EventMessage m = DomainMessage(dom, "watchdog");
  m.Add("action", static_cast<int64_t>(action));
  SinkOf(opaque).Post(std::move(m));
}

void OnIoErrorReason(virConnectPtr, virDomainPtr dom, const char* srcPath, const char* devAlias, int action,
                     const char* reason, void* opaque) {
  EventMessage m = DomainMessage(dom, "io-error");
  m.Add("srcPath", Str(srcPath));
  m.Add("devAlias", Str(devAlias));
  m.Add("action", static_cast<int64_t>(action));
  m.Add("reason", Str(reason));
  SinkOf(opaque).Post(std::move(m));
}

void OnDeviceRemoved(virConnectPtr, virDomainPtr dom, const char* devAlias, void* opaque) {
  EventMessage m = DomainMessage(dom, "device-removed");
  m.Add("devAlias", Str(devAlias));
  SinkOf(opaque).Post(std::move(m));
}

void OnDeviceAdded(virConnectPtr, virDomainPtr dom, const char* devAlias, void* opaque) {
  EventMessage m = DomainMessage(dom, "device-added");
  m.Add("devAlias", Str(devAlias));
  SinkOf(opaque).Post(std::move(m));
}

void OnBlockJob(virConnectPtr, virDomainPtr dom, const char* disk, int type, int status, void* opaque) {
  EventMessage m = DomainMessage(dom, "block-job");
  m.Add("disk", Str(disk));
  m.Add("type", static_cast<int64_t>(type));
  m.Add("status", static_cast<int64_t>(status));
  SinkOf(opaque).Post(std::move(m));
}

void OnAgentLifecycle(virConnectPtr, virDomainPtr dom, int state, int reason, void* opaque) {
  EventMessage m = DomainMessage(dom, "agent-lifecycle");
  m.Add("state", static_cast<int64_t>(state));
  m.Add("reason", static_cast<int64_t>(reason));
  SinkOf(opaque).Post(std::move(m));
}

void OnMigrationIteration(virConnectPtr, virDomainPtr dom, int iteration, void* opaque) {
  EventMessage m = DomainMessage(dom, "migration-iteration");
  m.Add("iteration", static_cast<int64_t>(iteration));
  SinkOf(opaque).Post(std::move(m));
}

void OnMemoryFailure(virConnectPtr, virDomainPtr dom, int recipient, int action, unsigned int flags, void* opaque) {
  EventMessage m = DomainMessage(dom, "memory-failure");
  m.Add("recipient", static_cast<int64_t>(recipient));
  m.Add("action", static_cast<int64_t>(action));
  m.Add("flags", static_cast<int64_t>(flags));
  SinkOf(opaque).Post(std::move(m));
}

}  // namespace

EventMessage DomainMessage(virDomainPtr dom, const char* event) {
  EventMessage m = ObjectEventMessage(event, dom, virDomainGetName, virDomainGetUUIDString);
  m.Add("id", static_cast<int64_t>(static_cast<int>(virDomainGetID(dom))));
  return m;
}

virConnectDomainEventGenericCallback DomainEventCallbackFor(int eventId) {
  switch (eventId) {
    case VIR_DOMAIN_EVENT_ID_LIFECYCLE: return VIR_DOMAIN_EVENT_CALLBACK(OnLifecycle);
    case VIR_DOMAIN_EVENT_ID_REBOOT: return VIR_DOMAIN_EVENT_CALLBACK(OnReboot);
    case VIR_DOMAIN_EVENT_ID_RTC_CHANGE: return VIR_DOMAIN_EVENT_CALLBACK(OnRtcChange);
    case VIR_DOMAIN_EVENT_ID_WATCHDOG: return VIR_DOMAIN_EVENT_CALLBACK(OnWatchdog);
    case VIR_DOMAIN_EVENT_ID_IO_ERROR_REASON: return VIR_DOMAIN_EVENT_CALLBACK(OnIoErrorReason);
    case VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED: return VIR_DOMAIN_EVENT_CALLBACK(OnDeviceRemoved);
    case VIR_DOMAIN_EVENT_ID_DEVICE_ADDED: return VIR_DOMAIN_EVENT_CALLBACK(OnDeviceAdded);
    case VIR_DOMAIN_EVENT_ID_BLOCK_JOB_2: return VIR_DOMAIN_EVENT_CALLBACK(OnBlockJob);
    case VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE: return VIR_DOMAIN_EVENT_CALLBACK(OnAgentLifecycle);
    case VIR_DOMAIN_EVENT_ID_MIGRATION_ITERATION: return VIR_DOMAIN_EVENT_CALLBACK(OnMigrationIteration);
    case VIR_DOMAIN_EVENT_ID_MEMORY_FAILURE: return VIR_DOMAIN_EVENT_CALLBACK(OnMemoryFailure);
    default: return DomainEventExtraCallbackFor(eventId);  // the rest: domain_events_extra.cc
  }
}

void FreeEventSink(void* opaque) { delete static_cast<std::shared_ptr<EventSink>*>(opaque); }

}  // namespace tandem
