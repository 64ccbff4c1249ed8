// Network: a JS wrapper of virNetworkPtr (libvirt-network.h), and the network calls of Connection
// (added to Connection.prototype by this module's initializer, see network.cc).
#pragma once
#include <napi.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "wrapped_object.h"
#include "vir_ref.h"

namespace tandem {

using NetworkRef = VirRef<virNetworkPtr, virNetworkRef, virNetworkFree>;

class Network : public WrappedObject<Network, NetworkRef> {
 public:
  static constexpr const char* kClassName = "Network";
  static constexpr int kInvalidCode = VIR_ERR_INVALID_NETWORK;
  static constexpr int kErrorDomain = VIR_FROM_NETWORK;

  static Napi::Function Init(Napi::Env env);
  using WrappedObject::WrappedObject;

 private:
  Napi::Value GetName(const Napi::CallbackInfo& info);        // virNetworkGetName (local)
  Napi::Value GetUUIDString(const Napi::CallbackInfo& info);  // virNetworkGetUUIDString (local)
  Napi::Value Create(const Napi::CallbackInfo& info);         // virNetworkCreate (start)
  Napi::Value Destroy(const Napi::CallbackInfo& info);        // virNetworkDestroy
  Napi::Value Undefine(const Napi::CallbackInfo& info);       // virNetworkUndefine
  Napi::Value IsActive(const Napi::CallbackInfo& info);       // virNetworkIsActive
  Napi::Value IsPersistent(const Napi::CallbackInfo& info);   // virNetworkIsPersistent
  Napi::Value GetAutostart(const Napi::CallbackInfo& info);   // virNetworkGetAutostart
  Napi::Value SetAutostart(const Napi::CallbackInfo& info);   // virNetworkSetAutostart
  Napi::Value GetXMLDesc(const Napi::CallbackInfo& info);     // virNetworkGetXMLDesc
  Napi::Value GetBridgeName(const Napi::CallbackInfo& info);  // virNetworkGetBridgeName
  Napi::Value GetDHCPLeases(const Napi::CallbackInfo& info);  // virNetworkGetDHCPLeases
  Napi::Value Update(const Napi::CallbackInfo& info);         // virNetworkUpdate
};

}  // namespace tandem
