// Storage (libvirt-storage.h): StoragePool and StorageVol classes, Connection's storage calls and storage
// pool events.
#include "storage.h"

#include <string>

#include "args.h"
#include "async_call.h"
#include "connection.h"
#include "event_loop.h"
#include "event_registration.h"
#include "module_registry.h"
#include "object_calls.h"

namespace tandem {

namespace {

// --- events: run on the event loop thread; names and UUIDs are local to the virStoragePool (no RPC) ---

EventMessage PoolMessage(virStoragePoolPtr pool, const char* event) {
  return ObjectEventMessage(event, pool, virStoragePoolGetName, virStoragePoolGetUUIDString);
}

void OnPoolLifecycle(virConnectPtr, virStoragePoolPtr pool, int event, int detail, void* opaque) {
  EventMessage m = PoolMessage(pool, "storage-pool-lifecycle");
  m.Add("type", static_cast<int64_t>(event));
  m.Add("detail", static_cast<int64_t>(detail));
  SinkOf(opaque).Post(std::move(m));
}

void OnPoolRefresh(virConnectPtr, virStoragePoolPtr pool, void* opaque) {
  SinkOf(opaque).Post(PoolMessage(pool, "storage-pool-refresh"));
}

virConnectStoragePoolEventGenericCallback PoolEventCallbackFor(int eventId) {
  switch (eventId) {
    case VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE: return VIR_STORAGE_POOL_EVENT_CALLBACK(OnPoolLifecycle);
    case VIR_STORAGE_POOL_EVENT_ID_REFRESH: return VIR_STORAGE_POOL_EVENT_CALLBACK(OnPoolRefresh);
    default: return nullptr;
  }
}

// --- Connection methods ---

Napi::Value ListAllStoragePools(const Napi::CallbackInfo& info) {
  ConnectRef c = Connection::FromValue(info.Env(), info.This());
  unsigned int flags = OptionalUint(info, 0, "flags");
  return RunListCall<StoragePool>(info.Env(), "virConnectListAllStoragePools", [c, flags](virStoragePoolPtr* list[]) {
    return virConnectListAllStoragePools(c.get(), list, flags);
  });
}

Napi::Value LookupStoragePoolByName(const Napi::CallbackInfo& info) {
  ConnectRef c = Connection::FromValue(info.Env(), info.This());
  std::string name = RequireString(info, 0, "name");
  return RunObjectCall<StoragePool>(info.Env(), "virStoragePoolLookupByName",
                                    [c, name] { return virStoragePoolLookupByName(c.get(), name.c_str()); });
}

Napi::Value LookupStoragePoolByUUIDString(const Napi::CallbackInfo& info) {
  ConnectRef c = Connection::FromValue(info.Env(), info.This());
  std::string uuid = RequireString(info, 0, "uuid");
  return RunObjectCall<StoragePool>(info.Env(), "virStoragePoolLookupByUUIDString",
                                    [c, uuid] { return virStoragePoolLookupByUUIDString(c.get(), uuid.c_str()); });
}

Napi::Value LookupStorageVolByPath(const Napi::CallbackInfo& info) {
  ConnectRef c = Connection::FromValue(info.Env(), info.This());
  std::string path = RequireString(info, 0, "path");
  return RunObjectCall<StorageVol>(info.Env(), "virStorageVolLookupByPath",
                                   [c, path] { return virStorageVolLookupByPath(c.get(), path.c_str()); });
}

Napi::Value LookupStorageVolByKey(const Napi::CallbackInfo& info) {
  ConnectRef c = Connection::FromValue(info.Env(), info.This());
  std::string key = RequireString(info, 0, "key");
  return RunObjectCall<StorageVol>(info.Env(), "virStorageVolLookupByKey",
                                   [c, key] { return virStorageVolLookupByKey(c.get(), key.c_str()); });
}

Napi::Value DefineStoragePoolXML(const Napi::CallbackInfo& info) {
  ConnectRef c = Connection::FromValue(info.Env(), info.This());
  std::string xml = RequireString(info, 0, "xml");
  unsigned int flags = OptionalUint(info, 1, "flags");
  return RunObjectCall<StoragePool>(info.Env(), "virStoragePoolDefineXML",
                                    [c, xml, flags] { return virStoragePoolDefineXML(c.get(), xml.c_str(), flags); });
}

Napi::Value CreateStoragePoolXML(const Napi::CallbackInfo& info) {
  ConnectRef c = Connection::FromValue(info.Env(), info.This());
  std::string xml = RequireString(info, 0, "xml");
  unsigned int flags = OptionalUint(info, 1, "flags");
  return RunObjectCall<StoragePool>(info.Env(), "virStoragePoolCreateXML",
                                    [c, xml, flags] { return virStoragePoolCreateXML(c.get(), xml.c_str(), flags); });
}

// storagePoolEventRegister(eventId, pool | null, callback) -> Promise<callbackId>
Napi::Value StoragePoolEventRegister(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Connection::FromValue(env, info.This());
  int eventId = RequireInt(info, 0, "eventId");
  StoragePoolRef filter = OptionalObject<StoragePool>(info, 1, "pool");
  Napi::Function callback = RequireFunction(info, 2, "callback");
  virConnectStoragePoolEventGenericCallback cb = PoolEventCallbackFor(eventId);
  if (cb == nullptr) {
    throw Napi::TypeError::New(env, "storage pool event id " + std::to_string(eventId) + " is not supported by this binding");
  }
  return RegisterEventCallback(info, "virConnectStoragePoolEventRegisterAny",
                               &ConnectionRegistrations::storagePoolEventIds, callback, "libvirt-storage-pool-event",
                               [filter, eventId, cb](virConnectPtr conn, void* opaque, virFreeCallback freecb) {
                                 return virConnectStoragePoolEventRegisterAny(conn, filter.get(), eventId, cb, opaque,
                                                                              freecb);
                               },
                               virConnectStoragePoolEventDeregisterAny);
}

Napi::Value StoragePoolEventDeregister(const Napi::CallbackInfo& info) {
  return DeregisterEventCallback(info, "virConnectStoragePoolEventDeregisterAny",
                                 &ConnectionRegistrations::storagePoolEventIds, virConnectStoragePoolEventDeregisterAny);
}

Napi::Value WithFlags(const Napi::CallbackInfo& info, const char* function, StoragePoolRef pool,
                      int (*fn)(virStoragePoolPtr, unsigned int)) {
  unsigned int flags = OptionalUint(info, 0, "flags");
  return RunStatusCall(info.Env(), function, std::move(pool),
                       [fn, flags](virStoragePoolPtr p) { return fn(p, flags); });
}

Napi::Value WithFlags(const Napi::CallbackInfo& info, const char* function, StorageVolRef vol,
                      int (*fn)(virStorageVolPtr, unsigned int)) {
  unsigned int flags = OptionalUint(info, 0, "flags");
  return RunStatusCall(info.Env(), function, std::move(vol), [fn, flags](virStorageVolPtr v) { return fn(v, flags); });
}

}  // namespace

// --- StoragePool methods ---

Napi::Function StoragePool::Init(Napi::Env env) {
  return DefineClass(env, kClassName,
                     {
                         InstanceMethod<&StoragePool::GetName>("getName"),
                         InstanceMethod<&StoragePool::GetUUIDString>("getUUIDString"),
                         InstanceMethod<&StoragePool::Build>("build"),
                         InstanceMethod<&StoragePool::Create>("create"),
                         InstanceMethod<&StoragePool::Destroy>("destroy"),
                         InstanceMethod<&StoragePool::Undefine>("undefine"),
                         InstanceMethod<&StoragePool::Delete>("delete"),
                         InstanceMethod<&StoragePool::Refresh>("refresh"),
                         InstanceMethod<&StoragePool::GetInfo>("getInfo"),
                         InstanceMethod<&StoragePool::GetXMLDesc>("getXMLDesc"),
                         InstanceMethod<&StoragePool::IsActive>("isActive"),
                         InstanceMethod<&StoragePool::IsPersistent>("isPersistent"),
                         InstanceMethod<&StoragePool::GetAutostart>("getAutostart"),
                         InstanceMethod<&StoragePool::SetAutostart>("setAutostart"),
                         InstanceMethod<&StoragePool::ListAllVolumes>("listAllVolumes"),
                         InstanceMethod<&StoragePool::LookupVolumeByName>("lookupVolumeByName"),
                         InstanceMethod<&StoragePool::CreateVolumeXML>("createVolumeXML"),
                         InstanceMethod<&StoragePool::CreateVolumeXMLFrom>("createVolumeXMLFrom"),
                         InstanceMethod("free", &StoragePool::Free),
                     });
}

Napi::Value StoragePool::GetName(const Napi::CallbackInfo& info) {
  const char* name = virStoragePoolGetName(Local(info.Env()));
  return Napi::String::New(info.Env(), name != nullptr ? name : "");
}

Napi::Value StoragePool::GetUUIDString(const Napi::CallbackInfo& info) {
  char uuid[VIR_UUID_STRING_BUFLEN] = {0};
  if (virStoragePoolGetUUIDString(Local(info.Env()), uuid) < 0) {
    throw MakeLibvirtError(info.Env(), CaptureLastError("virStoragePoolGetUUIDString"), "virStoragePoolGetUUIDString");
  }
  return Napi::String::New(info.Env(), uuid);
}

Napi::Value StoragePool::Build(const Napi::CallbackInfo& info) {
  return WithFlags(info, "virStoragePoolBuild", Shared(info.Env()), virStoragePoolBuild);
}

Napi::Value StoragePool::Create(const Napi::CallbackInfo& info) {
  return WithFlags(info, "virStoragePoolCreate", Shared(info.Env()), virStoragePoolCreate);
}

Napi::Value StoragePool::Destroy(const Napi::CallbackInfo& info) {
  return RunStatusCall(info.Env(), "virStoragePoolDestroy", Shared(info.Env()), virStoragePoolDestroy);
}

Napi::Value StoragePool::Undefine(const Napi::CallbackInfo& info) {
  return RunStatusCall(info.Env(), "virStoragePoolUndefine", Shared(info.Env()), virStoragePoolUndefine);
}

Napi::Value StoragePool::Delete(const Napi::CallbackInfo& info) {
  return WithFlags(info, "virStoragePoolDelete", Shared(info.Env()), virStoragePoolDelete);
}

Napi::Value StoragePool::Refresh(const Napi::CallbackInfo& info) {
  return WithFlags(info, "virStoragePoolRefresh", Shared(info.Env()), virStoragePoolRefresh);
}

Napi::Value StoragePool::GetInfo(const Napi::CallbackInfo& info) {
  StoragePoolRef p = Shared(info.Env());
  return AsyncCall<virStoragePoolInfo>::Run(
      info.Env(), "virStoragePoolGetInfo",
      [p] {
        virStoragePoolInfo out{};
        if (virStoragePoolGetInfo(p.get(), &out) < 0) ThrowLastError("virStoragePoolGetInfo");
        return out;
      },
      [](Napi::Env env, virStoragePoolInfo& out) -> Napi::Value {
        // Bytes as JS numbers: exact up to 2^53 (8 PiB), beyond any real pool.
        Napi::Object o = Napi::Object::New(env);
        o.Set("state", static_cast<double>(out.state));
        o.Set("capacity", static_cast<double>(out.capacity));
        o.Set("allocation", static_cast<double>(out.allocation));
        o.Set("available", static_cast<double>(out.available));
        return o;
      });
}

Napi::Value StoragePool::GetXMLDesc(const Napi::CallbackInfo& info) {
  unsigned int flags = OptionalUint(info, 0, "flags");
  return RunStringCall(info.Env(), "virStoragePoolGetXMLDesc", Shared(info.Env()),
                       [flags](virStoragePoolPtr p) { return virStoragePoolGetXMLDesc(p, flags); });
}

Napi::Value StoragePool::IsActive(const Napi::CallbackInfo& info) {
  return RunBoolCall(info.Env(), "virStoragePoolIsActive", Shared(info.Env()), virStoragePoolIsActive);
}

Napi::Value StoragePool::IsPersistent(const Napi::CallbackInfo& info) {
  return RunBoolCall(info.Env(), "virStoragePoolIsPersistent", Shared(info.Env()), virStoragePoolIsPersistent);
}

Napi::Value StoragePool::GetAutostart(const Napi::CallbackInfo& info) {
  return RunGetAutostart(info.Env(), "virStoragePoolGetAutostart", Shared(info.Env()), virStoragePoolGetAutostart);
}

Napi::Value StoragePool::SetAutostart(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsBoolean()) throw Napi::TypeError::New(info.Env(), "autostart must be a boolean");
  int value = info[0].As<Napi::Boolean>().Value() ? 1 : 0;
  return RunStatusCall(info.Env(), "virStoragePoolSetAutostart", Shared(info.Env()),
                       [value](virStoragePoolPtr p) { return virStoragePoolSetAutostart(p, value); });
}

Napi::Value StoragePool::ListAllVolumes(const Napi::CallbackInfo& info) {
  StoragePoolRef p = Shared(info.Env());
  unsigned int flags = OptionalUint(info, 0, "flags");
  return RunListCall<StorageVol>(info.Env(), "virStoragePoolListAllVolumes", [p, flags](virStorageVolPtr* list[]) {
    return virStoragePoolListAllVolumes(p.get(), list, flags);
  });
}

Napi::Value StoragePool::LookupVolumeByName(const Napi::CallbackInfo& info) {
  std::string name = RequireString(info, 0, "name");
  StoragePoolRef p = Shared(info.Env());
  return RunObjectCall<StorageVol>(info.Env(), "virStorageVolLookupByName",
                                   [p, name] { return virStorageVolLookupByName(p.get(), name.c_str()); });
}

Napi::Value StoragePool::CreateVolumeXML(const Napi::CallbackInfo& info) {
  std::string xml = RequireString(info, 0, "xml");
  unsigned int flags = OptionalUint(info, 1, "flags");
  StoragePoolRef p = Shared(info.Env());
  return RunObjectCall<StorageVol>(info.Env(), "virStorageVolCreateXML",
                                   [p, xml, flags] { return virStorageVolCreateXML(p.get(), xml.c_str(), flags); });
}

// createVolumeXMLFrom(xml, sourceVol, flags?): a new volume in this pool with sourceVol's content.
Napi::Value StoragePool::CreateVolumeXMLFrom(const Napi::CallbackInfo& info) {
  std::string xml = RequireString(info, 0, "xml");
  StorageVolRef source = StorageVol::FromValue(info.Env(), info.Length() > 1 ? info[1] : info.Env().Undefined(),
                                               "sourceVol");
  unsigned int flags = OptionalUint(info, 2, "flags");
  StoragePoolRef p = Shared(info.Env());
  return RunObjectCall<StorageVol>(info.Env(), "virStorageVolCreateXMLFrom", [p, xml, source, flags] {
    return virStorageVolCreateXMLFrom(p.get(), xml.c_str(), source.get(), flags);
  });
}

// --- StorageVol methods ---

Napi::Function StorageVol::Init(Napi::Env env) {
  return DefineClass(env, kClassName,
                     {
                         InstanceMethod<&StorageVol::GetName>("getName"),
                         InstanceMethod<&StorageVol::GetKey>("getKey"),
                         InstanceMethod<&StorageVol::GetPath>("getPath"),
                         InstanceMethod<&StorageVol::GetInfo>("getInfo"),
                         InstanceMethod<&StorageVol::GetXMLDesc>("getXMLDesc"),
                         InstanceMethod<&StorageVol::GetPool>("getPool"),
                         InstanceMethod<&StorageVol::Delete>("delete"),
                         InstanceMethod<&StorageVol::Wipe>("wipe"),
                         InstanceMethod<&StorageVol::Resize>("resize"),
                         InstanceMethod("free", &StorageVol::Free),
                     });
}

Napi::Value StorageVol::GetName(const Napi::CallbackInfo& info) {
  const char* name = virStorageVolGetName(Local(info.Env()));
  return Napi::String::New(info.Env(), name != nullptr ? name : "");
}

Napi::Value StorageVol::GetKey(const Napi::CallbackInfo& info) {
  const char* key = virStorageVolGetKey(Local(info.Env()));
  return Napi::String::New(info.Env(), key != nullptr ? key : "");
}

Napi::Value StorageVol::GetPath(const Napi::CallbackInfo& info) {
  return RunStringCall(info.Env(), "virStorageVolGetPath", Shared(info.Env()), virStorageVolGetPath);
}

Napi::Value StorageVol::GetInfo(const Napi::CallbackInfo& info) {
  StorageVolRef v = Shared(info.Env());
  return AsyncCall<virStorageVolInfo>::Run(
      info.Env(), "virStorageVolGetInfo",
      [v] {
        virStorageVolInfo out{};
        if (virStorageVolGetInfo(v.get(), &out) < 0) ThrowLastError("virStorageVolGetInfo");
        return out;
      },
      [](Napi::Env env, virStorageVolInfo& out) -> Napi::Value {
        Napi::Object o = Napi::Object::New(env);
        o.Set("type", out.type);
        o.Set("capacity", static_cast<double>(out.capacity));
        o.Set("allocation", static_cast<double>(out.allocation));
        return o;
      });
}

Napi::Value StorageVol::GetXMLDesc(const Napi::CallbackInfo& info) {
  unsigned int flags = OptionalUint(info, 0, "flags");
  return RunStringCall(info.Env(), "virStorageVolGetXMLDesc", Shared(info.Env()),
                       [flags](virStorageVolPtr v) { return virStorageVolGetXMLDesc(v, flags); });
}

Napi::Value StorageVol::GetPool(const Napi::CallbackInfo& info) {
  StorageVolRef v = Shared(info.Env());
  return RunObjectCall<StoragePool>(info.Env(), "virStoragePoolLookupByVolume",
                                    [v] { return virStoragePoolLookupByVolume(v.get()); });
}

Napi::Value StorageVol::Delete(const Napi::CallbackInfo& info) {
  return WithFlags(info, "virStorageVolDelete", Shared(info.Env()), virStorageVolDelete);
}

Napi::Value StorageVol::Wipe(const Napi::CallbackInfo& info) {
  return WithFlags(info, "virStorageVolWipe", Shared(info.Env()), virStorageVolWipe);
}

// resize(capacity, flags?): capacity in bytes; flags virStorageVolResizeFlags (DELTA, SHRINK, ALLOCATE).
Napi::Value StorageVol::Resize(const Napi::CallbackInfo& info) {
  unsigned long long capacity = RequireUint64(info, 0, "capacity");
  unsigned int flags = OptionalUint(info, 1, "flags");
  return RunStatusCall(info.Env(), "virStorageVolResize", Shared(info.Env()),
                       [capacity, flags](virStorageVolPtr v) { return virStorageVolResize(v, capacity, flags); });
}

// --- registration ---

static void InitStorageModule(Napi::Env env, Napi::Object exports) {
  Napi::Function pool = StoragePool::Init(env);
  Napi::Function vol = StorageVol::Init(env);
  StoragePool::Register(env, pool);
  StorageVol::Register(env, vol);
  exports.Set(StoragePool::kClassName, pool);
  exports.Set(StorageVol::kClassName, vol);
  AddonData* data = AddonData::Get(env);
  AddMethod(env, data->connectionClass, "listAllStoragePools", ListAllStoragePools);
  AddMethod(env, data->connectionClass, "lookupStoragePoolByName", LookupStoragePoolByName);
  AddMethod(env, data->connectionClass, "lookupStoragePoolByUUIDString", LookupStoragePoolByUUIDString);
  AddMethod(env, data->connectionClass, "lookupStorageVolByPath", LookupStorageVolByPath);
  AddMethod(env, data->connectionClass, "lookupStorageVolByKey", LookupStorageVolByKey);
  AddMethod(env, data->connectionClass, "defineStoragePoolXML", DefineStoragePoolXML);
  AddMethod(env, data->connectionClass, "createStoragePoolXML", CreateStoragePoolXML);
  AddMethod(env, data->connectionClass, "storagePoolEventRegister", StoragePoolEventRegister);
  AddMethod(env, data->connectionClass, "storagePoolEventDeregister", StoragePoolEventDeregister);
}

TANDEM_BINDING_MODULE(storage, InitStorageModule);

}  // namespace tandem
