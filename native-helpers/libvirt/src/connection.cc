#include "connection.h"

#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>

#include <vector>

#include "addon_data.h"
#include "args.h"
#include "async_call.h"
#include "auth.h"
#include "background_release.h"
#include "domain.h"
#include "domain_events.h"
#include "event_loop.h"
#include "event_registration.h"
#include "object_calls.h"

namespace tandem {

namespace {

void OnConnectionClosed(virConnectPtr, int reason, void* opaque) {
  EventMessage m;
  m.Add("event", std::string("close"));
  m.Add("reason", static_cast<int64_t>(reason));
  SinkOf(opaque).Post(std::move(m));
}

// Removes every callback a connection registered. Runs off the JS thread (deregistering is an RPC for
// remote connections). Errors are ignored on purpose: the connection may already be dead, and then
// libvirt drops the callbacks with it.
void DeregisterAll(virConnectPtr conn, ConnectionRegistrations& regs) {
  std::set<int> domainIds, networkIds, poolIds, qemuMonitorIds;
  bool closeCallback = false;
  {
    std::lock_guard<std::mutex> lock(regs.mutex);
    domainIds.swap(regs.domainEventIds);
    networkIds.swap(regs.networkEventIds);
    poolIds.swap(regs.storagePoolEventIds);
    qemuMonitorIds.swap(regs.qemuMonitorEventIds);
    closeCallback = std::exchange(regs.closeCallback, false);
    regs.closed = true;
  }
  for (int id : domainIds) {
    if (virConnectDomainEventDeregisterAny(conn, id) < 0) virResetLastError();
  }
  for (int id : networkIds) {
    if (virConnectNetworkEventDeregisterAny(conn, id) < 0) virResetLastError();
  }
  for (int id : poolIds) {
    if (virConnectStoragePoolEventDeregisterAny(conn, id) < 0) virResetLastError();
  }
  for (int id : qemuMonitorIds) {
    if (virConnectDomainQemuMonitorEventDeregister(conn, id) < 0) virResetLastError();
  }
  if (closeCallback) {
    // libvirt identifies the callback by its function pointer (a null one is refused).
    if (virConnectUnregisterCloseCallback(conn, OnConnectionClosed) < 0) virResetLastError();
  }
}



}  // namespace

Napi::Function Connection::Init(Napi::Env env) {
  return DefineClass(env, "Connection",
                     {
                         InstanceMethod<&Connection::Close>("close"),
                         InstanceMethod<&Connection::IsAlive>("isAlive"),
                         InstanceMethod<&Connection::IsClosed>("isClosed"),
                         InstanceMethod<&Connection::GetURI>("getURI"),
                         InstanceMethod<&Connection::GetHostname>("getHostname"),
                         InstanceMethod<&Connection::GetType>("getType"),
                         InstanceMethod<&Connection::GetVersion>("getVersion"),
                         InstanceMethod<&Connection::GetLibVersion>("getLibVersion"),
                         InstanceMethod<&Connection::GetNodeInfo>("getNodeInfo"),
                         InstanceMethod<&Connection::GetCapabilities>("getCapabilities"),
                         InstanceMethod<&Connection::SetKeepAlive>("setKeepAlive"),
                         InstanceMethod<&Connection::ListAllDomains>("listAllDomains"),
                         InstanceMethod<&Connection::LookupDomainByName>("lookupDomainByName"),
                         InstanceMethod<&Connection::LookupDomainByUUIDString>("lookupDomainByUUIDString"),
                         InstanceMethod<&Connection::LookupDomainByID>("lookupDomainByID"),
                         InstanceMethod<&Connection::DefineDomainXML>("defineDomainXML"),
                         InstanceMethod<&Connection::CreateDomainXML>("createDomainXML"),
                         InstanceMethod<&Connection::DomainEventRegister>("domainEventRegister"),
                         InstanceMethod<&Connection::DomainEventDeregister>("domainEventDeregister"),
                         InstanceMethod<&Connection::RegisterCloseCallback>("registerCloseCallback"),
                     });
}

Connection::Connection(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Connection>(info) {
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw Napi::TypeError::New(info.Env(), "use connectOpen() to open a Connection");
  }
  conn_ = ConnectRef::Adopt(info[0].As<Napi::External<virConnect>>().Data());
}

Connection::~Connection() {
  if (!conn_) return;
  // Dropped without close(): closing may be an RPC, which must not run on the JS thread (this is a
  // finalizer), so the release thread deregisters and drops the last reference.
  auto conn = std::make_shared<ConnectRef>(std::move(conn_));
  auto regs = registrations_;
  RunOnReleaseThread([conn, regs] {
    DeregisterAll(conn->get(), *regs);
    conn->Reset();
  });
}

ConnectRef Connection::FromValue(Napi::Env env, Napi::Value value) {
  if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(AddonData::Get(env)->connectionClass.Value())) {
    throw Napi::TypeError::New(env, "expected a Connection");
  }
  return Connection::Unwrap(value.As<Napi::Object>())->Shared(env);
}

std::shared_ptr<ConnectionRegistrations> Connection::RegistrationsOf(Napi::Env env, Napi::Value value) {
  FromValue(env, value);  // type and open-ness checks
  return Connection::Unwrap(value.As<Napi::Object>())->registrations_;
}

ConnectRef Connection::Shared(Napi::Env env) const {
  if (!conn_) {
    throw MakeLibvirtError(env, VirErrorInfo{VIR_ERR_INVALID_CONN, VIR_FROM_NONE, VIR_ERR_ERROR,
                                             "the connection is closed"},
                           "Connection");
  }
  return conn_;
}

Napi::Value Connection::Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string uri = RequireString(info, 0, "uri");
  unsigned int flags = OptionalUint(info, 1, "flags");
  std::shared_ptr<AuthBridge> auth;
  if (info.Length() > 2 && !info[2].IsUndefined() && !info[2].IsNull()) {
    auth = std::make_shared<AuthBridge>(env, RequireFunction(info, 2, "auth callback"));
  }
  if (!EnsureEventLoop()) {
    throw MakeLibvirtError(env, CaptureLastError("virEventRegisterDefaultImpl"), "virEventRegisterDefaultImpl");
  }
  return AsyncCall<ConnectRef>::Run(
      env, "virConnectOpenAuth",
      [uri, flags, auth] {
        virConnectPtr conn = virConnectOpenAuth(uri.c_str(), auth ? auth->auth() : nullptr, flags);
        if (conn == nullptr) ThrowLastError("virConnectOpenAuth");
        return ConnectRef::Adopt(conn);
      },
      [](Napi::Env e, ConnectRef& conn) -> Napi::Value {
        auto external = Napi::External<virConnect>::New(e, conn.Release());
        return AddonData::Get(e)->connectionClass.New({external});
      });
}

Napi::Value Connection::Close(const Napi::CallbackInfo& info) {
  if (!conn_) return AsyncCall<Unit>::Run(info.Env(), "virConnectClose", [] { return Unit{}; }, ToUndefined);
  ConnectRef conn = std::move(conn_);  // closed from now on, for every later call
  auto regs = registrations_;
  return AsyncCall<Unit>::Run(
      info.Env(), "virConnectClose",
      [conn, regs]() mutable {
        DeregisterAll(conn.get(), *regs);
        conn.Reset();  // the last reference, unless a call in flight still holds one
        return Unit{};
      },
      ToUndefined);
}

Napi::Value Connection::IsAlive(const Napi::CallbackInfo& info) {
  // Local check of the RPC client's state; no round trip.
  if (!conn_) return Napi::Boolean::New(info.Env(), false);
  return Napi::Boolean::New(info.Env(), virConnectIsAlive(conn_.get()) == 1);
}

Napi::Value Connection::IsClosed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !conn_); }

static Napi::Value StringResult(Napi::Env env, std::string& s) { return Napi::String::New(env, s); }

Napi::Value Connection::GetURI(const Napi::CallbackInfo& info) {
  ConnectRef c = Shared(info.Env());
  return OwnedStringCall(info.Env(), "virConnectGetURI", [c] { return virConnectGetURI(c.get()); });
}

Napi::Value Connection::GetHostname(const Napi::CallbackInfo& info) {
  ConnectRef c = Shared(info.Env());
  return OwnedStringCall(info.Env(), "virConnectGetHostname", [c] { return virConnectGetHostname(c.get()); });
}

Napi::Value Connection::GetType(const Napi::CallbackInfo& info) {
  ConnectRef c = Shared(info.Env());
  return AsyncCall<std::string>::Run(
      info.Env(), "virConnectGetType",
      [c] {
        const char* s = virConnectGetType(c.get());  // static string owned by libvirt
        if (s == nullptr) ThrowLastError("virConnectGetType");
        return std::string(s);
      },
      StringResult);
}

static Napi::Value NumberResult(Napi::Env env, unsigned long& v) { return Napi::Number::New(env, static_cast<double>(v)); }

Napi::Value Connection::GetVersion(const Napi::CallbackInfo& info) {
  ConnectRef c = Shared(info.Env());
  return AsyncCall<unsigned long>::Run(
      info.Env(), "virConnectGetVersion",
      [c] {
        unsigned long v = 0;
        if (virConnectGetVersion(c.get(), &v) < 0) ThrowLastError("virConnectGetVersion");
        return v;
      },
      NumberResult);
}

Napi::Value Connection::GetLibVersion(const Napi::CallbackInfo& info) {
  ConnectRef c = Shared(info.Env());
  return AsyncCall<unsigned long>::Run(
      info.Env(), "virConnectGetLibVersion",
      [c] {
        unsigned long v = 0;
        if (virConnectGetLibVersion(c.get(), &v) < 0) ThrowLastError("virConnectGetLibVersion");
        return v;
      },
      NumberResult);
}

Napi::Value Connection::GetNodeInfo(const Napi::CallbackInfo& info) {
  ConnectRef c = Shared(info.Env());
  return AsyncCall<virNodeInfo>::Run(
      info.Env(), "virNodeGetInfo",
      [c] {
        virNodeInfo out{};
        if (virNodeGetInfo(c.get(), &out) < 0) ThrowLastError("virNodeGetInfo");
        return out;
      },
      [](Napi::Env env, virNodeInfo& out) -> Napi::Value {
        Napi::Object o = Napi::Object::New(env);
        o.Set("model", std::string(out.model, strnlen(out.model, sizeof(out.model))));
        o.Set("memoryKiB", static_cast<double>(out.memory));
        o.Set("cpus", out.cpus);
        o.Set("mhz", out.mhz);
        o.Set("nodes", out.nodes);
        o.Set("sockets", out.sockets);
        o.Set("cores", out.cores);
        o.Set("threads", out.threads);
        return o;
      });
}

Napi::Value Connection::GetCapabilities(const Napi::CallbackInfo& info) {
  ConnectRef c = Shared(info.Env());
  return OwnedStringCall(info.Env(), "virConnectGetCapabilities", [c] { return virConnectGetCapabilities(c.get()); });
}

Napi::Value Connection::SetKeepAlive(const Napi::CallbackInfo& info) {
  ConnectRef c = Shared(info.Env());
  int interval = RequireInt(info, 0, "interval");
  unsigned int count = OptionalUint(info, 1, "count");
  return AsyncCall<bool>::Run(
      info.Env(), "virConnectSetKeepAlive",
      [c, interval, count] {
        int r = virConnectSetKeepAlive(c.get(), interval, count);
        if (r < 0) ThrowLastError("virConnectSetKeepAlive");
        return r == 0;  // 1 means the driver has no keepalive (e.g. local drivers): not an error
      },
      [](Napi::Env e, bool& v) -> Napi::Value { return Napi::Boolean::New(e, v); });
}

Napi::Value Connection::ListAllDomains(const Napi::CallbackInfo& info) {
  ConnectRef c = Shared(info.Env());
  unsigned int flags = OptionalUint(info, 0, "flags");
  return RunListCall<Domain>(info.Env(), "virConnectListAllDomains",
                             [c, flags](virDomainPtr** list) { return virConnectListAllDomains(c.get(), list, flags); });
}

// A call on the connection that returns a new domain reference (lookup, define, create).
template <typename Lookup>
static Napi::Value DomainCall(Napi::Env env, const char* function, ConnectRef c, Lookup lookup) {
  return RunObjectCall<Domain>(env, function, [c, lookup] { return lookup(c.get()); });
}

Napi::Value Connection::LookupDomainByName(const Napi::CallbackInfo& info) {
  std::string name = RequireString(info, 0, "name");
  return DomainCall(info.Env(), "virDomainLookupByName", Shared(info.Env()),
                    [name](virConnectPtr c) { return virDomainLookupByName(c, name.c_str()); });
}

Napi::Value Connection::LookupDomainByUUIDString(const Napi::CallbackInfo& info) {
  std::string uuid = RequireString(info, 0, "uuid");
  return DomainCall(info.Env(), "virDomainLookupByUUIDString", Shared(info.Env()),
                    [uuid](virConnectPtr c) { return virDomainLookupByUUIDString(c, uuid.c_str()); });
}

Napi::Value Connection::LookupDomainByID(const Napi::CallbackInfo& info) {
  int id = RequireInt(info, 0, "id");
  return DomainCall(info.Env(), "virDomainLookupByID", Shared(info.Env()),
                    [id](virConnectPtr c) { return virDomainLookupByID(c, id); });
}

Napi::Value Connection::DefineDomainXML(const Napi::CallbackInfo& info) {
  std::string xml = RequireString(info, 0, "xml");
  unsigned int flags = OptionalUint(info, 1, "flags");
  return DomainCall(info.Env(), "virDomainDefineXMLFlags", Shared(info.Env()),
                    [xml, flags](virConnectPtr c) { return virDomainDefineXMLFlags(c, xml.c_str(), flags); });
}

Napi::Value Connection::CreateDomainXML(const Napi::CallbackInfo& info) {
  std::string xml = RequireString(info, 0, "xml");
  unsigned int flags = OptionalUint(info, 1, "flags");
  return DomainCall(info.Env(), "virDomainCreateXML", Shared(info.Env()),
                    [xml, flags](virConnectPtr c) { return virDomainCreateXML(c, xml.c_str(), flags); });
}

Napi::Value Connection::DomainEventRegister(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Shared(env);  // a closed connection is refused before any argument is read
  int eventId = RequireInt(info, 0, "eventId");
  DomainRef filter;  // null: events of every domain of the connection
  if (info.Length() > 1 && !info[1].IsNull() && !info[1].IsUndefined()) {
    filter = Domain::FromValue(env, info[1], "domain");
  }
  Napi::Function callback = RequireFunction(info, 2, "callback");
  virConnectDomainEventGenericCallback cb = DomainEventCallbackFor(eventId);
  if (cb == nullptr) {
    throw Napi::TypeError::New(env, "domain event id " + std::to_string(eventId) + " is not supported by this binding");
  }
  return RegisterEventCallback(info, "virConnectDomainEventRegisterAny", &ConnectionRegistrations::domainEventIds,
                               callback, "libvirt-domain-event",
                               [filter, eventId, cb](virConnectPtr conn, void* opaque, virFreeCallback freecb) {
                                 return virConnectDomainEventRegisterAny(conn, filter.get(), eventId, cb, opaque, freecb);
                               },
                               virConnectDomainEventDeregisterAny);
}

Napi::Value Connection::DomainEventDeregister(const Napi::CallbackInfo& info) {
  return DeregisterEventCallback(info, "virConnectDomainEventDeregisterAny", &ConnectionRegistrations::domainEventIds,
                                 virConnectDomainEventDeregisterAny);
}

Napi::Value Connection::RegisterCloseCallback(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ConnectRef c = Shared(env);
  Napi::Function callback = RequireFunction(info, 0, "callback");
  {
    // Claimed here, on the JS thread, so a second call fails at once instead of racing the first.
    std::lock_guard<std::mutex> lock(registrations_->mutex);
    if (registrations_->closeCallback) throw Napi::Error::New(env, "a close callback is already registered");
    registrations_->closeCallback = true;
  }
  auto* opaque = new std::shared_ptr<EventSink>(std::make_shared<EventSink>(env, callback, "libvirt-close"));
  auto regs = registrations_;
  return AsyncCall<Unit>::Run(
      env, "virConnectRegisterCloseCallback",
      [c, opaque, regs] {
        if (virConnectRegisterCloseCallback(c.get(), OnConnectionClosed, opaque, FreeEventSink) < 0) {
          std::lock_guard<std::mutex> lock(regs->mutex);
          regs->closeCallback = false;
          ThrowLastError("virConnectRegisterCloseCallback");
        }
        std::lock_guard<std::mutex> lock(regs->mutex);
        if (regs->closed) {
          // close() ran meanwhile, before this callback existed: remove it now.
          regs->closeCallback = false;
          if (virConnectUnregisterCloseCallback(c.get(), OnConnectionClosed) < 0) virResetLastError();
        }
        return Unit{};
      },
      ToUndefined);
}

}  // namespace tandem
