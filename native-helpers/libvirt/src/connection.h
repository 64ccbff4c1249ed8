// Connection: a JS wrapper of virConnectPtr (libvirt-host.h and the connection half of libvirt-domain.h).
#pragma once
#include <napi.h>

#include <memory>
#include <mutex>
#include <set>

#include "vir_ref.h"

namespace tandem {

// Callback registrations of one connection, so close() can remove them all (nothing leaks when a
// connection closes). Shared with workers, hence the mutex.
struct ConnectionRegistrations {
  std::mutex mutex;
  std::set<int> domainEventIds;
  std::set<int> networkEventIds;      // virConnectNetworkEventRegisterAny
  std::set<int> storagePoolEventIds;  // virConnectStoragePoolEventRegisterAny
  std::set<int> qemuMonitorEventIds;  // virConnectDomainQemuMonitorEventRegister (libvirt-qemu)
  bool closeCallback = false;
  // Set by close() once it has taken the ids: a registration that completes after that undoes itself.
  bool closed = false;
};

class Connection : public Napi::ObjectWrap<Connection> {
 public:
  static Napi::Function Init(Napi::Env env);
  // connectOpen(uri, flags, authCallback?) -> Promise<Connection>   [virConnectOpenAuth]
  static Napi::Value Open(const Napi::CallbackInfo& info);

  explicit Connection(const Napi::CallbackInfo& info);
  ~Connection() override;

  // A new reference to the connection wrapped by `value` (a Connection, typically `info.This()` in a
  // method a binding module added to Connection.prototype), or a JS error if it is not one or is closed.
  static ConnectRef FromValue(Napi::Env env, Napi::Value value);
  // The registrations of that connection, for modules that register callbacks (so close() removes them).
  static std::shared_ptr<ConnectionRegistrations> RegistrationsOf(Napi::Env env, Napi::Value value);

 private:
  // A new reference to the connection, or a JS error if it was closed.
  ConnectRef Shared(Napi::Env env) const;

  Napi::Value Close(const Napi::CallbackInfo& info);              // virConnectClose (+ deregistrations)
  Napi::Value IsAlive(const Napi::CallbackInfo& info);            // virConnectIsAlive (local, sync)
  Napi::Value IsClosed(const Napi::CallbackInfo& info);
  Napi::Value GetURI(const Napi::CallbackInfo& info);             // virConnectGetURI
  Napi::Value GetHostname(const Napi::CallbackInfo& info);        // virConnectGetHostname
  Napi::Value GetType(const Napi::CallbackInfo& info);            // virConnectGetType
  Napi::Value GetVersion(const Napi::CallbackInfo& info);         // virConnectGetVersion
  Napi::Value GetLibVersion(const Napi::CallbackInfo& info);      // virConnectGetLibVersion
  Napi::Value GetNodeInfo(const Napi::CallbackInfo& info);        // virNodeGetInfo
  Napi::Value GetCapabilities(const Napi::CallbackInfo& info);    // virConnectGetCapabilities
  Napi::Value SetKeepAlive(const Napi::CallbackInfo& info);       // virConnectSetKeepAlive
  Napi::Value ListAllDomains(const Napi::CallbackInfo& info);     // virConnectListAllDomains
  Napi::Value LookupDomainByName(const Napi::CallbackInfo& info); // virDomainLookupByName
  Napi::Value LookupDomainByUUIDString(const Napi::CallbackInfo& info);  // virDomainLookupByUUIDString
  Napi::Value LookupDomainByID(const Napi::CallbackInfo& info);   // virDomainLookupByID
  Napi::Value DefineDomainXML(const Napi::CallbackInfo& info);    // virDomainDefineXMLFlags
  Napi::Value CreateDomainXML(const Napi::CallbackInfo& info);    // virDomainCreateXML
  Napi::Value DomainEventRegister(const Napi::CallbackInfo& info);    // virConnectDomainEventRegisterAny
  Napi::Value DomainEventDeregister(const Napi::CallbackInfo& info);  // virConnectDomainEventDeregisterAny
  Napi::Value RegisterCloseCallback(const Napi::CallbackInfo& info);  // virConnectRegisterCloseCallback

  ConnectRef conn_;
  std::shared_ptr<ConnectionRegistrations> registrations_ = std::make_shared<ConnectionRegistrations>();
};

}  // namespace tandem
