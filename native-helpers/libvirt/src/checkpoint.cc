// Domain checkpoints (libvirt-domain-checkpoint.h): the DomainCheckpoint class and the checkpoint methods
// of Domain. Every call that can reach the daemon runs through AsyncCall; only getName is local.
#include "checkpoint.h"

#include <libvirt/virterror.h>

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

constexpr const char* kClassName = "DomainCheckpoint";



// ---- Domain methods ----

Napi::Value CheckpointCreateXML(const Napi::CallbackInfo& info) {
  DomainRef d = Domain::FromValue(info.Env(), info.This(), "this");
  std::string xml = RequireString(info, 0, "xml");
  unsigned int flags = OptionalUint(info, 1, "flags");
  return RunObjectCall<DomainCheckpoint>(info.Env(), "virDomainCheckpointCreateXML",
                           [d, xml, flags] { return virDomainCheckpointCreateXML(d.get(), xml.c_str(), flags); });
}

Napi::Value ListAllCheckpoints(const Napi::CallbackInfo& info) {
  DomainRef d = Domain::FromValue(info.Env(), info.This(), "this");
  unsigned int flags = OptionalUint(info, 0, "flags");
  return RunListCall<DomainCheckpoint>(info.Env(), "virDomainListAllCheckpoints", [d, flags](virDomainCheckpointPtr** list) {
    return virDomainListAllCheckpoints(d.get(), list, flags);
  });
}

Napi::Value CheckpointLookupByName(const Napi::CallbackInfo& info) {
  DomainRef d = Domain::FromValue(info.Env(), info.This(), "this");
  std::string name = RequireString(info, 0, "name");
  return RunObjectCall<DomainCheckpoint>(info.Env(), "virDomainCheckpointLookupByName",
                           [d, name] { return virDomainCheckpointLookupByName(d.get(), name.c_str(), 0); });
}

void InitCheckpoints(Napi::Env env, Napi::Object exports) {
  AddonData* data = AddonData::Get(env);
  Napi::Function cls = DomainCheckpoint::Init(env);
  data->classes[kClassName] = Napi::Persistent(cls);
  exports.Set(kClassName, cls);
  AddMethod(env, data->domainClass, "checkpointCreateXML", CheckpointCreateXML);
  AddMethod(env, data->domainClass, "listAllCheckpoints", ListAllCheckpoints);
  AddMethod(env, data->domainClass, "checkpointLookupByName", CheckpointLookupByName);
}

}  // namespace

TANDEM_BINDING_MODULE(checkpoints, InitCheckpoints);

// ---- DomainCheckpoint ----

Napi::Function DomainCheckpoint::Init(Napi::Env env) {
  return DefineClass(env, kClassName,
                     {
                         InstanceMethod<&DomainCheckpoint::GetName>("getName"),
                         InstanceMethod<&DomainCheckpoint::GetParent>("getParent"),
                         InstanceMethod<&DomainCheckpoint::ListAllChildren>("listAllChildren"),
                         InstanceMethod<&DomainCheckpoint::GetXMLDesc>("getXMLDesc"),
                         InstanceMethod<&DomainCheckpoint::Delete>("delete"),
                         InstanceMethod<&DomainCheckpoint::Free>("free"),
                     });
}

Napi::Object DomainCheckpoint::Wrap(Napi::Env env, CheckpointRef checkpoint) {
  auto external = Napi::External<virDomainCheckpoint>::New(env, checkpoint.Release());
  return AddonData::Get(env)->classes.at(kClassName).New({external});
}

DomainCheckpoint::DomainCheckpoint(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DomainCheckpoint>(info) {
  // Only the binding creates checkpoints (create, lookup, list); JS code gets them from a Domain.
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw Napi::TypeError::New(info.Env(), "DomainCheckpoint objects come from a Domain (create, lookup, list)");
  }
  cp_ = CheckpointRef::Adopt(info[0].As<Napi::External<virDomainCheckpoint>>().Data());
}

// Finalizer (JS thread): the reference is dropped on the release thread.
DomainCheckpoint::~DomainCheckpoint() { ReleaseInBackground(std::move(cp_)); }

CheckpointRef DomainCheckpoint::FromValue(Napi::Env env, Napi::Value value, const char* what) {
  const Napi::FunctionReference& cls = AddonData::Get(env)->classes.at(kClassName);
  if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(cls.Value())) {
    throw Napi::TypeError::New(env, std::string(what) + " must be a DomainCheckpoint");
  }
  return DomainCheckpoint::Unwrap(value.As<Napi::Object>())->Shared(env);
}

CheckpointRef DomainCheckpoint::Shared(Napi::Env env) const {
  if (!cp_) {
    throw MakeLibvirtError(env, VirErrorInfo{VIR_ERR_INVALID_DOMAIN_CHECKPOINT, VIR_FROM_DOMAIN_CHECKPOINT,
                                             VIR_ERR_ERROR, "this DomainCheckpoint object was freed"},
                           kClassName);
  }
  return cp_;
}

Napi::Value DomainCheckpoint::GetName(const Napi::CallbackInfo& info) {
  const char* name = virDomainCheckpointGetName(Shared(info.Env()).get());
  return Napi::String::New(info.Env(), name != nullptr ? name : "");
}

Napi::Value DomainCheckpoint::GetParent(const Napi::CallbackInfo& info) {
  CheckpointRef c = Shared(info.Env());
  return RunObjectCall<DomainCheckpoint>(info.Env(), "virDomainCheckpointGetParent",
                           [c] { return virDomainCheckpointGetParent(c.get(), 0); });
}

Napi::Value DomainCheckpoint::ListAllChildren(const Napi::CallbackInfo& info) {
  CheckpointRef c = Shared(info.Env());
  unsigned int flags = OptionalUint(info, 0, "flags");
  return RunListCall<DomainCheckpoint>(info.Env(), "virDomainCheckpointListAllChildren",
                            [c, flags](virDomainCheckpointPtr** list) {
                              return virDomainCheckpointListAllChildren(c.get(), list, flags);
                            });
}

Napi::Value DomainCheckpoint::GetXMLDesc(const Napi::CallbackInfo& info) {
  CheckpointRef c = Shared(info.Env());
  unsigned int flags = OptionalUint(info, 0, "flags");
  return AsyncCall<std::string>::Run(
      info.Env(), "virDomainCheckpointGetXMLDesc",
      [c, flags] {
        char* xml = virDomainCheckpointGetXMLDesc(c.get(), flags);
        if (xml == nullptr) ThrowLastError("virDomainCheckpointGetXMLDesc");
        return TakeString(xml);
      },
      [](Napi::Env env, std::string& xml) -> Napi::Value { return Napi::String::New(env, xml); });
}

Napi::Value DomainCheckpoint::Delete(const Napi::CallbackInfo& info) {
  CheckpointRef c = Shared(info.Env());
  unsigned int flags = OptionalUint(info, 0, "flags");
  return AsyncCall<Unit>::Run(
      info.Env(), "virDomainCheckpointDelete",
      [c, flags] {
        if (virDomainCheckpointDelete(c.get(), flags) < 0) ThrowLastError("virDomainCheckpointDelete");
        return Unit{};
      },
      ToUndefined);
}

Napi::Value DomainCheckpoint::Free(const Napi::CallbackInfo& info) {
  ReleaseInBackground(std::move(cp_));
  return info.Env().Undefined();
}

}  // namespace tandem
