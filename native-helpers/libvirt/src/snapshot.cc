// Domain snapshots (libvirt-domain-snapshot.h): the DomainSnapshot class and the snapshot methods of
// Domain. Every call that can reach the daemon runs through AsyncCall; only getName is local.
#include "snapshot.h"

#include <libvirt/virterror.h>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "addon_data.h"
#include "args.h"
#include "background_release.h"
#include "async_call.h"
#include "domain.h"
#include "module_registry.h"
#include "object_calls.h"

namespace tandem {

namespace {

constexpr const char* kClassName = "DomainSnapshot";




// Reverting applies to the snapshot's own domain, whatever `this` is: refuse a snapshot of another
// domain (or of the same domain through another connection) rather than silently revert the wrong guest.
bool BelongsTo(virDomainSnapshotPtr snap, virDomainPtr dom) {
  virDomainPtr owner = virDomainSnapshotGetDomain(snap);  // no new reference; local
  unsigned char a[VIR_UUID_BUFLEN] = {0}, b[VIR_UUID_BUFLEN] = {0};
  if (owner == nullptr || virDomainGetUUID(owner, a) < 0 || virDomainGetUUID(dom, b) < 0) return false;
  return virDomainGetConnect(owner) == virDomainGetConnect(dom) && std::memcmp(a, b, VIR_UUID_BUFLEN) == 0;
}

// ---- Domain methods ----

Napi::Value SnapshotCreateXML(const Napi::CallbackInfo& info) {
  DomainRef d = Domain::FromValue(info.Env(), info.This(), "this");
  std::string xml = RequireString(info, 0, "xml");
  unsigned int flags = OptionalUint(info, 1, "flags");
  return RunObjectCall<DomainSnapshot>(info.Env(), "virDomainSnapshotCreateXML",
                         [d, xml, flags] { return virDomainSnapshotCreateXML(d.get(), xml.c_str(), flags); });
}

Napi::Value ListAllSnapshots(const Napi::CallbackInfo& info) {
  DomainRef d = Domain::FromValue(info.Env(), info.This(), "this");
  unsigned int flags = OptionalUint(info, 0, "flags");
  return RunListCall<DomainSnapshot>(info.Env(), "virDomainListAllSnapshots", [d, flags](virDomainSnapshotPtr** list) {
    return virDomainListAllSnapshots(d.get(), list, flags);
  });
}

Napi::Value SnapshotLookupByName(const Napi::CallbackInfo& info) {
  DomainRef d = Domain::FromValue(info.Env(), info.This(), "this");
  std::string name = RequireString(info, 0, "name");
  return RunObjectCall<DomainSnapshot>(info.Env(), "virDomainSnapshotLookupByName",
                         [d, name] { return virDomainSnapshotLookupByName(d.get(), name.c_str(), 0); });
}

Napi::Value SnapshotCurrent(const Napi::CallbackInfo& info) {
  DomainRef d = Domain::FromValue(info.Env(), info.This(), "this");
  return RunObjectCall<DomainSnapshot>(info.Env(), "virDomainSnapshotCurrent", [d] { return virDomainSnapshotCurrent(d.get(), 0); });
}

Napi::Value HasCurrentSnapshot(const Napi::CallbackInfo& info) {
  DomainRef d = Domain::FromValue(info.Env(), info.This(), "this");
  return BoolCall(info.Env(), "virDomainHasCurrentSnapshot", [d] { return virDomainHasCurrentSnapshot(d.get(), 0); });
}

Napi::Value RevertToSnapshot(const Napi::CallbackInfo& info) {
  DomainRef d = Domain::FromValue(info.Env(), info.This(), "this");
  SnapshotRef s = DomainSnapshot::FromValue(info.Env(), info[0], "snapshot");
  unsigned int flags = OptionalUint(info, 1, "flags");
  if (!BelongsTo(s.get(), d.get())) {
    throw Napi::TypeError::New(info.Env(), "snapshot must be a snapshot of this domain");
  }
  return AsyncCall<Unit>::Run(
      info.Env(), "virDomainRevertToSnapshot",
      [s, flags] {
        if (virDomainRevertToSnapshot(s.get(), flags) < 0) ThrowLastError("virDomainRevertToSnapshot");
        return Unit{};
      },
      ToUndefined);
}

void InitSnapshots(Napi::Env env, Napi::Object exports) {
  AddonData* data = AddonData::Get(env);
  Napi::Function cls = DomainSnapshot::Init(env);
  data->classes[kClassName] = Napi::Persistent(cls);
  exports.Set(kClassName, cls);
  AddMethod(env, data->domainClass, "snapshotCreateXML", SnapshotCreateXML);
  AddMethod(env, data->domainClass, "listAllSnapshots", ListAllSnapshots);
  AddMethod(env, data->domainClass, "snapshotLookupByName", SnapshotLookupByName);
  AddMethod(env, data->domainClass, "snapshotCurrent", SnapshotCurrent);
  AddMethod(env, data->domainClass, "hasCurrentSnapshot", HasCurrentSnapshot);
  AddMethod(env, data->domainClass, "revertToSnapshot", RevertToSnapshot);
}

}  // namespace

TANDEM_BINDING_MODULE(snapshots, InitSnapshots);

// ---- DomainSnapshot ----

Napi::Function DomainSnapshot::Init(Napi::Env env) {
  return DefineClass(env, kClassName,
                     {
                         InstanceMethod<&DomainSnapshot::GetName>("getName"),
                         InstanceMethod<&DomainSnapshot::GetParent>("getParent"),
                         InstanceMethod<&DomainSnapshot::ListAllChildren>("listAllChildren"),
                         InstanceMethod<&DomainSnapshot::GetXMLDesc>("getXMLDesc"),
                         InstanceMethod<&DomainSnapshot::IsCurrent>("isCurrent"),
                         InstanceMethod<&DomainSnapshot::HasMetadata>("hasMetadata"),
                         InstanceMethod<&DomainSnapshot::Delete>("delete"),
                         InstanceMethod<&DomainSnapshot::Free>("free"),
                     });
}

Napi::Object DomainSnapshot::Wrap(Napi::Env env, SnapshotRef snapshot) {
  auto external = Napi::External<virDomainSnapshot>::New(env, snapshot.Release());
  return AddonData::Get(env)->classes.at(kClassName).New({external});
}

DomainSnapshot::DomainSnapshot(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DomainSnapshot>(info) {
  // Only the binding creates snapshots (create, lookup, list); JS code gets them from a Domain.
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw Napi::TypeError::New(info.Env(), "DomainSnapshot objects come from a Domain (create, lookup, list)");
  }
  snap_ = SnapshotRef::Adopt(info[0].As<Napi::External<virDomainSnapshot>>().Data());
}

// Finalizer (JS thread): the reference is dropped on the release thread.
DomainSnapshot::~DomainSnapshot() { ReleaseInBackground(std::move(snap_)); }

SnapshotRef DomainSnapshot::FromValue(Napi::Env env, Napi::Value value, const char* what) {
  const Napi::FunctionReference& cls = AddonData::Get(env)->classes.at(kClassName);
  if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(cls.Value())) {
    throw Napi::TypeError::New(env, std::string(what) + " must be a DomainSnapshot");
  }
  return DomainSnapshot::Unwrap(value.As<Napi::Object>())->Shared(env);
}

SnapshotRef DomainSnapshot::Shared(Napi::Env env) const {
  if (!snap_) {
    throw MakeLibvirtError(env, VirErrorInfo{VIR_ERR_INVALID_DOMAIN_SNAPSHOT, VIR_FROM_DOMAIN_SNAPSHOT, VIR_ERR_ERROR,
                                             "this DomainSnapshot object was freed"},
                           kClassName);
  }
  return snap_;
}

Napi::Value DomainSnapshot::GetName(const Napi::CallbackInfo& info) {
  const char* name = virDomainSnapshotGetName(Shared(info.Env()).get());
  return Napi::String::New(info.Env(), name != nullptr ? name : "");
}

Napi::Value DomainSnapshot::GetParent(const Napi::CallbackInfo& info) {
  SnapshotRef s = Shared(info.Env());
  return RunObjectCall<DomainSnapshot>(info.Env(), "virDomainSnapshotGetParent", [s] { return virDomainSnapshotGetParent(s.get(), 0); });
}

Napi::Value DomainSnapshot::ListAllChildren(const Napi::CallbackInfo& info) {
  SnapshotRef s = Shared(info.Env());
  unsigned int flags = OptionalUint(info, 0, "flags");
  return RunListCall<DomainSnapshot>(info.Env(), "virDomainSnapshotListAllChildren", [s, flags](virDomainSnapshotPtr** list) {
    return virDomainSnapshotListAllChildren(s.get(), list, flags);
  });
}

Napi::Value DomainSnapshot::GetXMLDesc(const Napi::CallbackInfo& info) {
  SnapshotRef s = Shared(info.Env());
  unsigned int flags = OptionalUint(info, 0, "flags");
  return AsyncCall<std::string>::Run(
      info.Env(), "virDomainSnapshotGetXMLDesc",
      [s, flags] {
        char* xml = virDomainSnapshotGetXMLDesc(s.get(), flags);
        if (xml == nullptr) ThrowLastError("virDomainSnapshotGetXMLDesc");
        return TakeString(xml);
      },
      [](Napi::Env env, std::string& xml) -> Napi::Value { return Napi::String::New(env, xml); });
}

Napi::Value DomainSnapshot::IsCurrent(const Napi::CallbackInfo& info) {
  SnapshotRef s = Shared(info.Env());
  return BoolCall(info.Env(), "virDomainSnapshotIsCurrent", [s] { return virDomainSnapshotIsCurrent(s.get(), 0); });
}

Napi::Value DomainSnapshot::HasMetadata(const Napi::CallbackInfo& info) {
  SnapshotRef s = Shared(info.Env());
  return BoolCall(info.Env(), "virDomainSnapshotHasMetadata", [s] { return virDomainSnapshotHasMetadata(s.get(), 0); });
}

Napi::Value DomainSnapshot::Delete(const Napi::CallbackInfo& info) {
  SnapshotRef s = Shared(info.Env());
  unsigned int flags = OptionalUint(info, 0, "flags");
  return AsyncCall<Unit>::Run(
      info.Env(), "virDomainSnapshotDelete",
      [s, flags] {
        if (virDomainSnapshotDelete(s.get(), flags) < 0) ThrowLastError("virDomainSnapshotDelete");
        return Unit{};
      },
      ToUndefined);
}

Napi::Value DomainSnapshot::Free(const Napi::CallbackInfo& info) {
  ReleaseInBackground(std::move(snap_));
  return info.Env().Undefined();
}

}  // namespace tandem
