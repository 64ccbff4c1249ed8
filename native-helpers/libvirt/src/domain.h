// Domain: a JS wrapper of virDomainPtr (libvirt-domain.h). Owns one libvirt reference, dropped by free()
// or by the finalizer when JS lets go of the object.
#pragma once
#include <napi.h>

#include "vir_ref.h"

namespace tandem {

class Domain : public Napi::ObjectWrap<Domain> {
 public:
  // For the call shapes of object_calls.h (RunObjectCall, RunListCall).
  using RefType = DomainRef;
  using Ptr = virDomainPtr;

  static Napi::Function Init(Napi::Env env);
  // Wraps a reference the caller owns; the new JS object takes it over.
  static Napi::Object Wrap(Napi::Env env, DomainRef domain);

  explicit Domain(const Napi::CallbackInfo& info);
  ~Domain() override;

  // A new reference to the domain wrapped by `value`, or a TypeError naming `what`.
  static DomainRef FromValue(Napi::Env env, Napi::Value value, const char* what);

 private:
  DomainRef Shared(Napi::Env env) const;

  Napi::Value GetName(const Napi::CallbackInfo& info);        // virDomainGetName (local)
  Napi::Value GetUUIDString(const Napi::CallbackInfo& info);  // virDomainGetUUIDString (local)
  Napi::Value GetID(const Napi::CallbackInfo& info);          // virDomainGetID (local)
  Napi::Value GetInfo(const Napi::CallbackInfo& info);        // virDomainGetInfo
  Napi::Value GetState(const Napi::CallbackInfo& info);       // virDomainGetState
  Napi::Value GetXMLDesc(const Napi::CallbackInfo& info);     // virDomainGetXMLDesc
  Napi::Value IsActive(const Napi::CallbackInfo& info);       // virDomainIsActive
  Napi::Value IsPersistent(const Napi::CallbackInfo& info);   // virDomainIsPersistent
  Napi::Value GetAutostart(const Napi::CallbackInfo& info);   // virDomainGetAutostart
  Napi::Value SetAutostart(const Napi::CallbackInfo& info);   // virDomainSetAutostart
  Napi::Value Create(const Napi::CallbackInfo& info);         // virDomainCreateWithFlags
  Napi::Value Shutdown(const Napi::CallbackInfo& info);       // virDomainShutdownFlags
  Napi::Value Reboot(const Napi::CallbackInfo& info);         // virDomainReboot
  Napi::Value Reset(const Napi::CallbackInfo& info);          // virDomainReset
  Napi::Value Destroy(const Napi::CallbackInfo& info);        // virDomainDestroyFlags
  Napi::Value Suspend(const Napi::CallbackInfo& info);        // virDomainSuspend
  Napi::Value Resume(const Napi::CallbackInfo& info);         // virDomainResume
  Napi::Value Undefine(const Napi::CallbackInfo& info);       // virDomainUndefineFlags
  Napi::Value Free(const Napi::CallbackInfo& info);           // virDomainFree (drops our reference now)

  DomainRef dom_;
};

}  // namespace tandem
