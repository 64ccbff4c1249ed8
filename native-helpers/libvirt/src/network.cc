// Networks (libvirt-network.h): the Network class, Connection's network calls and network events.
#include "network.h"

#include <optional>
#include <string>
#include <vector>

#include "args.h"
#include "async_call.h"
#include "connection.h"
#include "event_loop.h"
#include "event_registration.h"
#include "module_registry.h"
#include "object_calls.h"

namespace tandem {

namespace {

std::optional<std::string> OptionalString(const char* s) {
  if (s == nullptr) return std::nullopt;
  return std::string(s);
}

Napi::Value StringOrNull(Napi::Env env, const std::optional<std::string>& s) {
  return s ? Napi::String::New(env, *s) : env.Null();
}

// One virNetworkDHCPLease, copied so the libvirt array can be freed on the worker.
struct DhcpLease {
  std::optional<std::string> iface, mac, iaid, ipaddr, hostname, clientid;
  long long expiryTime = 0;
  int type = 0;
  unsigned int prefix = 0;
};

DhcpLease CopyLease(const virNetworkDHCPLease& l) {
  DhcpLease out;
  out.iface = OptionalString(l.iface);
  out.expiryTime = l.expirytime;
  out.type = l.type;
  out.mac = OptionalString(l.mac);
  out.iaid = OptionalString(l.iaid);
  out.ipaddr = OptionalString(l.ipaddr);
  out.prefix = l.prefix;
  out.hostname = OptionalString(l.hostname);
  out.clientid = OptionalString(l.clientid);
  return out;
}

Napi::Object LeaseToJs(Napi::Env env, const DhcpLease& l) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("iface", StringOrNull(env, l.iface));
  o.Set("expiryTime", static_cast<double>(l.expiryTime));
  o.Set("type", l.type);
  o.Set("mac", StringOrNull(env, l.mac));
  o.Set("iaid", StringOrNull(env, l.iaid));
  o.Set("ipaddr", StringOrNull(env, l.ipaddr));
  o.Set("prefix", static_cast<double>(l.prefix));
  o.Set("hostname", StringOrNull(env, l.hostname));
  o.Set("clientid", StringOrNull(env, l.clientid));
  return o;
}

// --- events: run on the event loop thread; names and UUIDs are local to the virNetwork (no RPC) ---

void OnNetworkLifecycle(virConnectPtr, virNetworkPtr net, int event, int detail, void* opaque) {
  EventMessage m = ObjectEventMessage("network-lifecycle", net, virNetworkGetName, virNetworkGetUUIDString);
  m.Add("type", static_cast<int64_t>(event));
  m.Add("detail", static_cast<int64_t>(detail));
  SinkOf(opaque).Post(std::move(m));
}

virConnectNetworkEventGenericCallback NetworkEventCallbackFor(int eventId) {
  switch (eventId) {
    case VIR_NETWORK_EVENT_ID_LIFECYCLE: return VIR_NETWORK_EVENT_CALLBACK(OnNetworkLifecycle);
    default: return nullptr;  // libvirt 9.0 has no other network event
  }
}

// --- Connection methods ---

Napi::Value ListAllNetworks(const Napi::CallbackInfo& info) {
  ConnectRef c = Connection::FromValue(info.Env(), info.This());
  unsigned int flags = OptionalUint(info, 0, "flags");
  return RunListCall<Network>(info.Env(), "virConnectListAllNetworks",
                              [c, flags](virNetworkPtr* list[]) { return virConnectListAllNetworks(c.get(), list, flags); });
}

Napi::Value LookupNetworkByName(const Napi::CallbackInfo& info) {
  ConnectRef c = Connection::FromValue(info.Env(), info.This());
  std::string name = RequireString(info, 0, "name");
  return RunObjectCall<Network>(info.Env(), "virNetworkLookupByName",
                                [c, name] { return virNetworkLookupByName(c.get(), name.c_str()); });
}

Napi::Value LookupNetworkByUUIDString(const Napi::CallbackInfo& info) {
  ConnectRef c = Connection::FromValue(info.Env(), info.This());
  std::string uuid = RequireString(info, 0, "uuid");
  return RunObjectCall<Network>(info.Env(), "virNetworkLookupByUUIDString",
                                [c, uuid] { return virNetworkLookupByUUIDString(c.get(), uuid.c_str()); });
}

Napi::Value DefineNetworkXML(const Napi::CallbackInfo& info) {
  ConnectRef c = Connection::FromValue(info.Env(), info.This());
  std::string xml = RequireString(info, 0, "xml");
  unsigned int flags = OptionalUint(info, 1, "flags");
  return RunObjectCall<Network>(info.Env(), "virNetworkDefineXMLFlags",
                                [c, xml, flags] { return virNetworkDefineXMLFlags(c.get(), xml.c_str(), flags); });
}

Napi::Value CreateNetworkXML(const Napi::CallbackInfo& info) {
  ConnectRef c = Connection::FromValue(info.Env(), info.This());
  std::string xml = RequireString(info, 0, "xml");
  unsigned int flags = OptionalUint(info, 1, "flags");
  return RunObjectCall<Network>(info.Env(), "virNetworkCreateXMLFlags",
                                [c, xml, flags] { return virNetworkCreateXMLFlags(c.get(), xml.c_str(), flags); });
}

// networkEventRegister(eventId, network | null, callback) -> Promise<callbackId>
Napi::Value NetworkEventRegister(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Connection::FromValue(env, info.This());  // receiver check first: a TypeError before anything else
  int eventId = RequireInt(info, 0, "eventId");
  NetworkRef filter = OptionalObject<Network>(info, 1, "network");
  Napi::Function callback = RequireFunction(info, 2, "callback");
  virConnectNetworkEventGenericCallback cb = NetworkEventCallbackFor(eventId);
  if (cb == nullptr) {
    throw Napi::TypeError::New(env, "network event id " + std::to_string(eventId) + " is not supported by this binding");
  }
  return RegisterEventCallback(info, "virConnectNetworkEventRegisterAny", &ConnectionRegistrations::networkEventIds,
                               callback, "libvirt-network-event",
                               [filter, eventId, cb](virConnectPtr conn, void* opaque, virFreeCallback freecb) {
                                 return virConnectNetworkEventRegisterAny(conn, filter.get(), eventId, cb, opaque, freecb);
                               },
                               virConnectNetworkEventDeregisterAny);
}

Napi::Value NetworkEventDeregister(const Napi::CallbackInfo& info) {
  return DeregisterEventCallback(info, "virConnectNetworkEventDeregisterAny", &ConnectionRegistrations::networkEventIds,
                                 virConnectNetworkEventDeregisterAny);
}

}  // namespace

// --- Network methods ---

Napi::Function Network::Init(Napi::Env env) {
  return DefineClass(env, kClassName,
                     {
                         InstanceMethod<&Network::GetName>("getName"),
                         InstanceMethod<&Network::GetUUIDString>("getUUIDString"),
                         InstanceMethod<&Network::Create>("create"),
                         InstanceMethod<&Network::Destroy>("destroy"),
                         InstanceMethod<&Network::Undefine>("undefine"),
                         InstanceMethod<&Network::IsActive>("isActive"),
                         InstanceMethod<&Network::IsPersistent>("isPersistent"),
                         InstanceMethod<&Network::GetAutostart>("getAutostart"),
                         InstanceMethod<&Network::SetAutostart>("setAutostart"),
                         InstanceMethod<&Network::GetXMLDesc>("getXMLDesc"),
                         InstanceMethod<&Network::GetBridgeName>("getBridgeName"),
                         InstanceMethod<&Network::GetDHCPLeases>("getDHCPLeases"),
                         InstanceMethod<&Network::Update>("update"),
                         InstanceMethod("free", &Network::Free),
                     });
}

Napi::Value Network::GetName(const Napi::CallbackInfo& info) {
  const char* name = virNetworkGetName(Local(info.Env()));
  return Napi::String::New(info.Env(), name != nullptr ? name : "");
}

Napi::Value Network::GetUUIDString(const Napi::CallbackInfo& info) {
  char uuid[VIR_UUID_STRING_BUFLEN] = {0};
  if (virNetworkGetUUIDString(Local(info.Env()), uuid) < 0) {
    throw MakeLibvirtError(info.Env(), CaptureLastError("virNetworkGetUUIDString"), "virNetworkGetUUIDString");
  }
  return Napi::String::New(info.Env(), uuid);
}

Napi::Value Network::Create(const Napi::CallbackInfo& info) {
  return RunStatusCall(info.Env(), "virNetworkCreate", Shared(info.Env()), virNetworkCreate);
}

Napi::Value Network::Destroy(const Napi::CallbackInfo& info) {
  return RunStatusCall(info.Env(), "virNetworkDestroy", Shared(info.Env()), virNetworkDestroy);
}

Napi::Value Network::Undefine(const Napi::CallbackInfo& info) {
  return RunStatusCall(info.Env(), "virNetworkUndefine", Shared(info.Env()), virNetworkUndefine);
}

Napi::Value Network::IsActive(const Napi::CallbackInfo& info) {
  return RunBoolCall(info.Env(), "virNetworkIsActive", Shared(info.Env()), virNetworkIsActive);
}

Napi::Value Network::IsPersistent(const Napi::CallbackInfo& info) {
  return RunBoolCall(info.Env(), "virNetworkIsPersistent", Shared(info.Env()), virNetworkIsPersistent);
}

Napi::Value Network::GetAutostart(const Napi::CallbackInfo& info) {
  return RunGetAutostart(info.Env(), "virNetworkGetAutostart", Shared(info.Env()), virNetworkGetAutostart);
}

Napi::Value Network::SetAutostart(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsBoolean()) throw Napi::TypeError::New(info.Env(), "autostart must be a boolean");
  int value = info[0].As<Napi::Boolean>().Value() ? 1 : 0;
  return RunStatusCall(info.Env(), "virNetworkSetAutostart", Shared(info.Env()),
                       [value](virNetworkPtr n) { return virNetworkSetAutostart(n, value); });
}

Napi::Value Network::GetXMLDesc(const Napi::CallbackInfo& info) {
  unsigned int flags = OptionalUint(info, 0, "flags");
  return RunStringCall(info.Env(), "virNetworkGetXMLDesc", Shared(info.Env()),
                       [flags](virNetworkPtr n) { return virNetworkGetXMLDesc(n, flags); });
}

Napi::Value Network::GetBridgeName(const Napi::CallbackInfo& info) {
  return RunStringCall(info.Env(), "virNetworkGetBridgeName", Shared(info.Env()), virNetworkGetBridgeName);
}

// getDHCPLeases(mac?) -> Promise<lease[]>; mac filters to one interface's leases.
Napi::Value Network::GetDHCPLeases(const Napi::CallbackInfo& info) {
  std::optional<std::string> mac;
  if (info.Length() > 0 && !info[0].IsUndefined() && !info[0].IsNull()) mac = RequireString(info, 0, "mac");
  NetworkRef n = Shared(info.Env());
  return AsyncCall<std::vector<DhcpLease>>::Run(
      info.Env(), "virNetworkGetDHCPLeases",
      [n, mac] {
        virNetworkDHCPLeasePtr* leases = nullptr;
        int count = virNetworkGetDHCPLeases(n.get(), mac ? mac->c_str() : nullptr, &leases, 0);
        if (count < 0) ThrowLastError("virNetworkGetDHCPLeases");
        std::vector<DhcpLease> out;
        out.reserve(static_cast<size_t>(count));
        for (int i = 0; i < count; i++) {
          out.push_back(CopyLease(*leases[i]));
          virNetworkDHCPLeaseFree(leases[i]);
        }
        free(leases);
        return out;
      },
      [](Napi::Env env, std::vector<DhcpLease>& leases) -> Napi::Value {
        Napi::Array array = Napi::Array::New(env, leases.size());
        for (size_t i = 0; i < leases.size(); i++) array.Set(static_cast<uint32_t>(i), LeaseToJs(env, leases[i]));
        return array;
      });
}

// update(command, section, parentIndex, xml, flags?): virNetworkUpdateCommand, virNetworkUpdateSection,
// -1 for "no parent index", virNetworkUpdateFlags (live/config).
Napi::Value Network::Update(const Napi::CallbackInfo& info) {
  unsigned int command = RequireUint(info, 0, "command");
  unsigned int section = RequireUint(info, 1, "section");
  int parentIndex = RequireInt(info, 2, "parentIndex");
  std::string xml = RequireString(info, 3, "xml");
  unsigned int flags = OptionalUint(info, 4, "flags");
  return RunStatusCall(info.Env(), "virNetworkUpdate", Shared(info.Env()),
                       [command, section, parentIndex, xml, flags](virNetworkPtr n) {
                         return virNetworkUpdate(n, command, section, parentIndex, xml.c_str(), flags);
                       });
}

// --- registration ---

static void InitNetworkModule(Napi::Env env, Napi::Object exports) {
  Napi::Function cls = Network::Init(env);
  Network::Register(env, cls);
  exports.Set(Network::kClassName, cls);
  AddonData* data = AddonData::Get(env);
  AddMethod(env, data->connectionClass, "listAllNetworks", ListAllNetworks);
  AddMethod(env, data->connectionClass, "lookupNetworkByName", LookupNetworkByName);
  AddMethod(env, data->connectionClass, "lookupNetworkByUUIDString", LookupNetworkByUUIDString);
  AddMethod(env, data->connectionClass, "defineNetworkXML", DefineNetworkXML);
  AddMethod(env, data->connectionClass, "createNetworkXML", CreateNetworkXML);
  AddMethod(env, data->connectionClass, "networkEventRegister", NetworkEventRegister);
  AddMethod(env, data->connectionClass, "networkEventDeregister", NetworkEventDeregister);
}

TANDEM_BINDING_MODULE(network, InitNetworkModule);

}  // namespace tandem
