// Calls that attach a Stream (stream.h) to a transfer: a domain's console (virDomainOpenConsole) and a
// volume's upload / download (virStorageVolUpload / virStorageVolDownload). Each is an RPC that sets the
// transfer up and returns; the data then flows through the stream's non-blocking recv/send.
#include <libvirt/libvirt.h>

#include <optional>
#include <string>

#include "addon_data.h"
#include "args.h"
#include "async_call.h"
#include "domhost_helpers.h"
#include "module_registry.h"
#include "object_calls.h"
#include "storage.h"
#include "stream.h"

namespace tandem {

namespace {

// domain.newStream() / vol.newStream(): a stream on the connection the object belongs to, so helpers that
// get only a Domain or a StorageVol can open a transfer (virDomainGetConnect / virStorageVolGetConnect are
// local and return a pointer the object keeps alive).
Napi::Value DomainNewStream(const Napi::CallbackInfo& info) {
  DomainRef d = domhost::ThisDomain(info);
  return Stream::NewOn(info.Env(), virDomainGetConnect(d.get()));
}

Napi::Value VolumeNewStream(const Napi::CallbackInfo& info) {
  StorageVolRef vol = StorageVol::FromValue(info.Env(), info.This(), "this");
  return Stream::NewOn(info.Env(), virStorageVolGetConnect(vol.get()));
}

// domain.openConsole(devName: string | null, stream, flags?: virDomainConsoleFlags (SAFE, FORCE))
Napi::Value OpenConsole(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::optional<std::string> devName = domhost::OptionalString(info, 0, "devName");
  StreamRef st = Stream::FromValue(env, info.Length() > 1 ? info[1] : env.Undefined(), "stream");
  unsigned int flags = OptionalUint(info, 2, "flags");
  return domhost::DomainVoidCall(info, "virDomainOpenConsole", [devName, st, flags](virDomainPtr d) {
    return virDomainOpenConsole(d, domhost::CStr(devName), st.get(), flags);
  });
}

// The shared shape of upload and download: (stream, offset, length, flags?) on `this` volume.
template <typename Fn>
Napi::Value VolumeTransfer(const Napi::CallbackInfo& info, const char* function, Fn fn) {
  Napi::Env env = info.Env();
  StorageVolRef vol = StorageVol::FromValue(env, info.This(), "this");
  StreamRef st = Stream::FromValue(env, info.Length() > 0 ? info[0] : env.Undefined(), "stream");
  unsigned long long offset = RequireUint64(info, 1, "offset");
  unsigned long long length = RequireUint64(info, 2, "length");
  unsigned int flags = OptionalUint(info, 3, "flags");
  return StatusCall(env, function, [vol, st, offset, length, flags, fn] {
    return fn(vol.get(), st.get(), offset, length, flags);
  });
}

// vol.upload(stream, offset, length (0: to the end of the volume), flags?: virStorageVolUploadFlags)
Napi::Value Upload(const Napi::CallbackInfo& info) {
  return VolumeTransfer(info, "virStorageVolUpload", virStorageVolUpload);
}

// vol.download(stream, offset, length (0: to the end of the volume), flags?: virStorageVolDownloadFlags)
Napi::Value Download(const Napi::CallbackInfo& info) {
  return VolumeTransfer(info, "virStorageVolDownload", virStorageVolDownload);
}

// Adds to StorageVol, a class of storage.cc's module: modules initialize in link order (binding.gyp lists
// src/*.cc sorted, and static registrars run in that order), so storage.cc's StorageVol exists by now.
void InitStreamCalls(Napi::Env env, Napi::Object) {
  AddonData* data = AddonData::Get(env);
  auto vol = data->classes.find(StorageVol::kClassName);
  if (vol == data->classes.end()) throw Napi::Error::New(env, "stream_calls initialized before storage");
  AddMethod(env, data->domainClass, "newStream", DomainNewStream);
  AddMethod(env, data->domainClass, "openConsole", OpenConsole);
  AddMethod(env, vol->second, "newStream", VolumeNewStream);
  AddMethod(env, vol->second, "upload", Upload);
  AddMethod(env, vol->second, "download", Download);
}

}  // namespace

TANDEM_BINDING_MODULE(stream_calls, InitStreamCalls);

}  // namespace tandem
