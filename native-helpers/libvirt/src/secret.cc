// Secrets (libvirt-secret.h): the Secret class and Connection's secret calls.
#include "secret.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "args.h"
#include "async_call.h"
#include "connection.h"
#include "module_registry.h"
#include "object_calls.h"

namespace tandem {

void SecureZero(void* data, size_t size) {
  if (data != nullptr && size > 0) explicit_bzero(data, size);  // glibc: never elided, unlike memset
}

SecretBytes::SecretBytes(const unsigned char* data, size_t size) : bytes_(data, data + size) {}

SecretBytes::~SecretBytes() { SecureZero(bytes_.data(), bytes_.size()); }

namespace {

// The value of a JS Buffer (or any Uint8Array) argument, copied into zero-on-free memory.
std::shared_ptr<SecretBytes> RequireBytes(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (info.Length() > index && info[index].IsTypedArray()) {
    auto array = info[index].As<Napi::TypedArray>();
    if (array.TypedArrayType() == napi_uint8_array) {
      auto bytes = array.As<Napi::Uint8Array>();
      return std::make_shared<SecretBytes>(bytes.Data(), bytes.ByteLength());
    }
  }
  throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a Buffer");
}

// --- Connection methods ---

Napi::Value ListAllSecrets(const Napi::CallbackInfo& info) {
  ConnectRef c = Connection::FromValue(info.Env(), info.This());
  unsigned int flags = OptionalUint(info, 0, "flags");
  return RunListCall<Secret>(info.Env(), "virConnectListAllSecrets",
                             [c, flags](virSecretPtr* list[]) { return virConnectListAllSecrets(c.get(), list, flags); });
}

Napi::Value DefineSecretXML(const Napi::CallbackInfo& info) {
  ConnectRef c = Connection::FromValue(info.Env(), info.This());
  std::string xml = RequireString(info, 0, "xml");
  unsigned int flags = OptionalUint(info, 1, "flags");
  return RunObjectCall<Secret>(info.Env(), "virSecretDefineXML",
                               [c, xml, flags] { return virSecretDefineXML(c.get(), xml.c_str(), flags); });
}

Napi::Value LookupSecretByUUIDString(const Napi::CallbackInfo& info) {
  ConnectRef c = Connection::FromValue(info.Env(), info.This());
  std::string uuid = RequireString(info, 0, "uuid");
  return RunObjectCall<Secret>(info.Env(), "virSecretLookupByUUIDString",
                               [c, uuid] { return virSecretLookupByUUIDString(c.get(), uuid.c_str()); });
}

// lookupSecretByUsage(usageType: virSecretUsageType, usageID)
Napi::Value LookupSecretByUsage(const Napi::CallbackInfo& info) {
  ConnectRef c = Connection::FromValue(info.Env(), info.This());
  int usageType = RequireInt(info, 0, "usageType");
  std::string usageID = RequireString(info, 1, "usageID");
  return RunObjectCall<Secret>(info.Env(), "virSecretLookupByUsage", [c, usageType, usageID] {
    return virSecretLookupByUsage(c.get(), usageType, usageID.c_str());
  });
}

}  // namespace

// --- Secret methods ---

Napi::Function Secret::Init(Napi::Env env) {
  return DefineClass(env, kClassName,
                     {
                         InstanceMethod<&Secret::GetUUIDString>("getUUIDString"),
                         InstanceMethod<&Secret::GetUsageType>("getUsageType"),
                         InstanceMethod<&Secret::GetUsageID>("getUsageID"),
                         InstanceMethod<&Secret::GetXMLDesc>("getXMLDesc"),
                         InstanceMethod<&Secret::SetValue>("setValue"),
                         InstanceMethod<&Secret::GetValue>("getValue"),
                         InstanceMethod<&Secret::Undefine>("undefine"),
                         InstanceMethod("free", &Secret::Free),
                     });
}

Napi::Value Secret::GetUUIDString(const Napi::CallbackInfo& info) {
  char uuid[VIR_UUID_STRING_BUFLEN] = {0};
  if (virSecretGetUUIDString(Local(info.Env()), uuid) < 0) {
    throw MakeLibvirtError(info.Env(), CaptureLastError("virSecretGetUUIDString"), "virSecretGetUUIDString");
  }
  return Napi::String::New(info.Env(), uuid);
}

Napi::Value Secret::GetUsageType(const Napi::CallbackInfo& info) {
  int type = virSecretGetUsageType(Local(info.Env()));
  if (type < 0) throw MakeLibvirtError(info.Env(), CaptureLastError("virSecretGetUsageType"), "virSecretGetUsageType");
  return Napi::Number::New(info.Env(), type);
}

Napi::Value Secret::GetUsageID(const Napi::CallbackInfo& info) {
  // NULL for secrets without usage (VIR_SECRET_USAGE_TYPE_NONE): JS gets null.
  const char* id = virSecretGetUsageID(Local(info.Env()));
  if (id == nullptr) return info.Env().Null();
  return Napi::String::New(info.Env(), id);
}

Napi::Value Secret::GetXMLDesc(const Napi::CallbackInfo& info) {
  unsigned int flags = OptionalUint(info, 0, "flags");
  return RunStringCall(info.Env(), "virSecretGetXMLDesc", Shared(info.Env()),
                       [flags](virSecretPtr s) { return virSecretGetXMLDesc(s, flags); });
}

// setValue(value: Buffer): the bytes are copied into zero-on-free memory; the caller's Buffer is theirs.
Napi::Value Secret::SetValue(const Napi::CallbackInfo& info) {
  std::shared_ptr<SecretBytes> value = RequireBytes(info, 0, "value");
  return RunStatusCall(info.Env(), "virSecretSetValue", Shared(info.Env()),
                       [value](virSecretPtr s) { return virSecretSetValue(s, value->data(), value->size(), 0); });
}

// getValue() -> Promise<Buffer>: libvirt's copy is zeroed and freed on the worker, ours after the Buffer
// is made.
Napi::Value Secret::GetValue(const Napi::CallbackInfo& info) {
  SecretRef s = Shared(info.Env());
  return AsyncCall<std::shared_ptr<SecretBytes>>::Run(
      info.Env(), "virSecretGetValue",
      [s] {
        size_t size = 0;
        unsigned char* raw = virSecretGetValue(s.get(), &size, 0);
        if (raw == nullptr) ThrowLastError("virSecretGetValue");
        auto value = std::make_shared<SecretBytes>(raw, size);
        SecureZero(raw, size);  // virSecureErase is not public API in libvirt 9.0
        free(raw);
        return value;
      },
      [](Napi::Env env, std::shared_ptr<SecretBytes>& value) -> Napi::Value {
        Napi::Buffer<unsigned char> buffer = Napi::Buffer<unsigned char>::Copy(env, value->data(), value->size());
        value.reset();  // zeroes our copy now rather than when the worker is deleted
        return buffer;
      });
}

Napi::Value Secret::Undefine(const Napi::CallbackInfo& info) {
  return RunStatusCall(info.Env(), "virSecretUndefine", Shared(info.Env()), virSecretUndefine);
}

// --- registration ---

static void InitSecretModule(Napi::Env env, Napi::Object exports) {
  Napi::Function cls = Secret::Init(env);
  Secret::Register(env, cls);
  exports.Set(Secret::kClassName, cls);
  AddonData* data = AddonData::Get(env);
  AddMethod(env, data->connectionClass, "listAllSecrets", ListAllSecrets);
  AddMethod(env, data->connectionClass, "defineSecretXML", DefineSecretXML);
  AddMethod(env, data->connectionClass, "lookupSecretByUUIDString", LookupSecretByUUIDString);
  AddMethod(env, data->connectionClass, "lookupSecretByUsage", LookupSecretByUsage);
}

TANDEM_BINDING_MODULE(secret, InitSecretModule);

}  // namespace tandem
