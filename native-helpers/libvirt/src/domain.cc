#include "domain.h"

#include <libvirt/virterror.h>

#include "addon_data.h"
#include "args.h"
#include "background_release.h"
#include "async_call.h"
#include "object_calls.h"

namespace tandem {

Napi::Function Domain::Init(Napi::Env env) {
  return DefineClass(env, "Domain",
                     {
                         InstanceMethod<&Domain::GetName>("getName"),
                         InstanceMethod<&Domain::GetUUIDString>("getUUIDString"),
                         InstanceMethod<&Domain::GetID>("getID"),
                         InstanceMethod<&Domain::GetInfo>("getInfo"),
                         InstanceMethod<&Domain::GetState>("getState"),
                         InstanceMethod<&Domain::GetXMLDesc>("getXMLDesc"),
                         InstanceMethod<&Domain::IsActive>("isActive"),
                         InstanceMethod<&Domain::IsPersistent>("isPersistent"),
                         InstanceMethod<&Domain::GetAutostart>("getAutostart"),
                         InstanceMethod<&Domain::SetAutostart>("setAutostart"),
                         InstanceMethod<&Domain::Create>("create"),
                         InstanceMethod<&Domain::Shutdown>("shutdown"),
                         InstanceMethod<&Domain::Reboot>("reboot"),
                         InstanceMethod<&Domain::Reset>("reset"),
                         InstanceMethod<&Domain::Destroy>("destroy"),
                         InstanceMethod<&Domain::Suspend>("suspend"),
                         InstanceMethod<&Domain::Resume>("resume"),
                         InstanceMethod<&Domain::Undefine>("undefine"),
                         InstanceMethod<&Domain::Free>("free"),
                     });
}

Napi::Object Domain::Wrap(Napi::Env env, DomainRef domain) {
  auto external = Napi::External<virDomain>::New(env, domain.Release());
  return AddonData::Get(env)->domainClass.New({external});
}

Domain::Domain(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Domain>(info) {
  // Only the binding creates domains (from lookups and listings); JS code gets them from a Connection.
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw Napi::TypeError::New(info.Env(), "Domain objects come from a Connection (lookup, list, define)");
  }
  dom_ = DomainRef::Adopt(info[0].As<Napi::External<virDomain>>().Data());
}

// Finalizer (JS thread): the reference is dropped on the release thread.
Domain::~Domain() { ReleaseInBackground(std::move(dom_)); }

DomainRef Domain::FromValue(Napi::Env env, Napi::Value value, const char* what) {
  if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(AddonData::Get(env)->domainClass.Value())) {
    throw Napi::TypeError::New(env, std::string(what) + " must be a Domain");
  }
  return Domain::Unwrap(value.As<Napi::Object>())->Shared(env);
}

DomainRef Domain::Shared(Napi::Env env) const {
  if (!dom_) {
    throw MakeLibvirtError(env, VirErrorInfo{VIR_ERR_INVALID_DOMAIN, VIR_FROM_DOMAIN, VIR_ERR_ERROR,
                                             "this Domain object was freed"},
                           "Domain");
  }
  return dom_;
}

Napi::Value Domain::GetName(const Napi::CallbackInfo& info) {
  const char* name = virDomainGetName(Shared(info.Env()).get());
  return Napi::String::New(info.Env(), name != nullptr ? name : "");
}

Napi::Value Domain::GetUUIDString(const Napi::CallbackInfo& info) {
  char uuid[VIR_UUID_STRING_BUFLEN] = {0};
  if (virDomainGetUUIDString(Shared(info.Env()).get(), uuid) < 0) {
    throw MakeLibvirtError(info.Env(), CaptureLastError("virDomainGetUUIDString"), "virDomainGetUUIDString");
  }
  return Napi::String::New(info.Env(), uuid);
}

Napi::Value Domain::GetID(const Napi::CallbackInfo& info) {
  // virDomainGetID returns (unsigned)-1 for inactive domains; JS sees -1.
  return Napi::Number::New(info.Env(), static_cast<int>(virDomainGetID(Shared(info.Env()).get())));
}

Napi::Value Domain::GetInfo(const Napi::CallbackInfo& info) {
  DomainRef d = Shared(info.Env());
  return AsyncCall<virDomainInfo>::Run(
      info.Env(), "virDomainGetInfo",
      [d] {
        virDomainInfo out{};
        if (virDomainGetInfo(d.get(), &out) < 0) ThrowLastError("virDomainGetInfo");
        return out;
      },
      [](Napi::Env env, virDomainInfo& out) -> Napi::Value {
        Napi::Object o = Napi::Object::New(env);
        o.Set("state", static_cast<double>(out.state));
        o.Set("maxMemKiB", static_cast<double>(out.maxMem));
        o.Set("memoryKiB", static_cast<double>(out.memory));
        o.Set("nrVirtCpu", static_cast<double>(out.nrVirtCpu));
        o.Set("cpuTimeNs", static_cast<double>(out.cpuTime));
        return o;
      });
}

Napi::Value Domain::GetState(const Napi::CallbackInfo& info) {
  DomainRef d = Shared(info.Env());
  return AsyncCall<std::pair<int, int>>::Run(
      info.Env(), "virDomainGetState",
      [d] {
        int state = 0, reason = 0;
        if (virDomainGetState(d.get(), &state, &reason, 0) < 0) ThrowLastError("virDomainGetState");
        return std::make_pair(state, reason);
      },
      [](Napi::Env env, std::pair<int, int>& out) -> Napi::Value {
        Napi::Object o = Napi::Object::New(env);
        o.Set("state", out.first);
        o.Set("reason", out.second);
        return o;
      });
}

Napi::Value Domain::GetXMLDesc(const Napi::CallbackInfo& info) {
  DomainRef d = Shared(info.Env());
  unsigned int flags = OptionalUint(info, 0, "flags");
  return OwnedStringCall(info.Env(), "virDomainGetXMLDesc", [d, flags] { return virDomainGetXMLDesc(d.get(), flags); });
}


Napi::Value Domain::IsActive(const Napi::CallbackInfo& info) {
  return RunBoolCall(info.Env(), "virDomainIsActive", Shared(info.Env()), virDomainIsActive);
}

Napi::Value Domain::IsPersistent(const Napi::CallbackInfo& info) {
  return RunBoolCall(info.Env(), "virDomainIsPersistent", Shared(info.Env()), virDomainIsPersistent);
}

Napi::Value Domain::GetAutostart(const Napi::CallbackInfo& info) {
  return RunGetAutostart(info.Env(), "virDomainGetAutostart", Shared(info.Env()), virDomainGetAutostart);
}


Napi::Value Domain::SetAutostart(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsBoolean()) throw Napi::TypeError::New(info.Env(), "autostart must be a boolean");
  int value = info[0].As<Napi::Boolean>().Value() ? 1 : 0;
  return RunStatusCall(info.Env(), "virDomainSetAutostart", Shared(info.Env()),
                  [value](virDomainPtr d) { return virDomainSetAutostart(d, value); });
}

Napi::Value Domain::Create(const Napi::CallbackInfo& info) {
  unsigned int flags = OptionalUint(info, 0, "flags");
  return RunStatusCall(info.Env(), "virDomainCreateWithFlags", Shared(info.Env()),
                  [flags](virDomainPtr d) { return virDomainCreateWithFlags(d, flags); });
}

Napi::Value Domain::Shutdown(const Napi::CallbackInfo& info) {
  unsigned int flags = OptionalUint(info, 0, "flags");
  return RunStatusCall(info.Env(), "virDomainShutdownFlags", Shared(info.Env()),
                  [flags](virDomainPtr d) { return virDomainShutdownFlags(d, flags); });
}

Napi::Value Domain::Reboot(const Napi::CallbackInfo& info) {
  unsigned int flags = OptionalUint(info, 0, "flags");
  return RunStatusCall(info.Env(), "virDomainReboot", Shared(info.Env()),
                  [flags](virDomainPtr d) { return virDomainReboot(d, flags); });
}

Napi::Value Domain::Reset(const Napi::CallbackInfo& info) {
  return RunStatusCall(info.Env(), "virDomainReset", Shared(info.Env()),
                  [](virDomainPtr d) { return virDomainReset(d, 0); });
}

Napi::Value Domain::Destroy(const Napi::CallbackInfo& info) {
  unsigned int flags = OptionalUint(info, 0, "flags");
  return RunStatusCall(info.Env(), "virDomainDestroyFlags", Shared(info.Env()),
                  [flags](virDomainPtr d) { return virDomainDestroyFlags(d, flags); });
}

Napi::Value Domain::Suspend(const Napi::CallbackInfo& info) {
  return RunStatusCall(info.Env(), "virDomainSuspend", Shared(info.Env()), virDomainSuspend);
}

Napi::Value Domain::Resume(const Napi::CallbackInfo& info) {
  return RunStatusCall(info.Env(), "virDomainResume", Shared(info.Env()), virDomainResume);
}

Napi::Value Domain::Undefine(const Napi::CallbackInfo& info) {
  unsigned int flags = OptionalUint(info, 0, "flags");
  return RunStatusCall(info.Env(), "virDomainUndefineFlags", Shared(info.Env()),
                  [flags](virDomainPtr d) { return virDomainUndefineFlags(d, flags); });
}

Napi::Value Domain::Free(const Napi::CallbackInfo& info) {
  ReleaseInBackground(std::move(dom_));
  return info.Env().Undefined();
}

}  // namespace tandem
