// StoragePool and StorageVol: JS wrappers of virStoragePoolPtr / virStorageVolPtr (libvirt-storage.h), and
// the storage calls of Connection (added to Connection.prototype by storage.cc's initializer).
// Volume upload/download (virStorageVolUpload/Download) go through streams: see stream_calls.cc / lib/stream.ts.
#pragma once
#include <napi.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "wrapped_object.h"
#include "vir_ref.h"

namespace tandem {

using StoragePoolRef = VirRef<virStoragePoolPtr, virStoragePoolRef, virStoragePoolFree>;
using StorageVolRef = VirRef<virStorageVolPtr, virStorageVolRef, virStorageVolFree>;

class StoragePool : public WrappedObject<StoragePool, StoragePoolRef> {
 public:
  static constexpr const char* kClassName = "StoragePool";
  static constexpr int kInvalidCode = VIR_ERR_INVALID_STORAGE_POOL;
  static constexpr int kErrorDomain = VIR_FROM_STORAGE;

  static Napi::Function Init(Napi::Env env);
  using WrappedObject::WrappedObject;

 private:
  Napi::Value GetName(const Napi::CallbackInfo& info);              // virStoragePoolGetName (local)
  Napi::Value GetUUIDString(const Napi::CallbackInfo& info);        // virStoragePoolGetUUIDString (local)
  Napi::Value Build(const Napi::CallbackInfo& info);                // virStoragePoolBuild
  Napi::Value Create(const Napi::CallbackInfo& info);               // virStoragePoolCreate (start)
  Napi::Value Destroy(const Napi::CallbackInfo& info);              // virStoragePoolDestroy
  Napi::Value Undefine(const Napi::CallbackInfo& info);             // virStoragePoolUndefine
  Napi::Value Delete(const Napi::CallbackInfo& info);               // virStoragePoolDelete
  Napi::Value Refresh(const Napi::CallbackInfo& info);              // virStoragePoolRefresh
  Napi::Value GetInfo(const Napi::CallbackInfo& info);              // virStoragePoolGetInfo
  Napi::Value GetXMLDesc(const Napi::CallbackInfo& info);           // virStoragePoolGetXMLDesc
  Napi::Value IsActive(const Napi::CallbackInfo& info);             // virStoragePoolIsActive
  Napi::Value IsPersistent(const Napi::CallbackInfo& info);         // virStoragePoolIsPersistent
  Napi::Value GetAutostart(const Napi::CallbackInfo& info);         // virStoragePoolGetAutostart
  Napi::Value SetAutostart(const Napi::CallbackInfo& info);         // virStoragePoolSetAutostart
  Napi::Value ListAllVolumes(const Napi::CallbackInfo& info);       // virStoragePoolListAllVolumes
  Napi::Value LookupVolumeByName(const Napi::CallbackInfo& info);   // virStorageVolLookupByName
  Napi::Value CreateVolumeXML(const Napi::CallbackInfo& info);      // virStorageVolCreateXML
  Napi::Value CreateVolumeXMLFrom(const Napi::CallbackInfo& info);  // virStorageVolCreateXMLFrom (clone)
};

class StorageVol : public WrappedObject<StorageVol, StorageVolRef> {
 public:
  static constexpr const char* kClassName = "StorageVol";
  static constexpr int kInvalidCode = VIR_ERR_INVALID_STORAGE_VOL;
  static constexpr int kErrorDomain = VIR_FROM_STORAGE;

  static Napi::Function Init(Napi::Env env);
  using WrappedObject::WrappedObject;

 private:
  Napi::Value GetName(const Napi::CallbackInfo& info);     // virStorageVolGetName (local)
  Napi::Value GetKey(const Napi::CallbackInfo& info);      // virStorageVolGetKey (local)
  Napi::Value GetPath(const Napi::CallbackInfo& info);     // virStorageVolGetPath (an RPC on remote drivers)
  Napi::Value GetInfo(const Napi::CallbackInfo& info);     // virStorageVolGetInfo
  Napi::Value GetXMLDesc(const Napi::CallbackInfo& info);  // virStorageVolGetXMLDesc
  Napi::Value GetPool(const Napi::CallbackInfo& info);     // virStoragePoolLookupByVolume
  Napi::Value Delete(const Napi::CallbackInfo& info);      // virStorageVolDelete
  Napi::Value Wipe(const Napi::CallbackInfo& info);        // virStorageVolWipe
  Napi::Value Resize(const Napi::CallbackInfo& info);      // virStorageVolResize
};

}  // namespace tandem
