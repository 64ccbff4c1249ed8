// Secret: a JS wrapper of virSecretPtr (libvirt-secret.h), and the secret calls of Connection (added to
// Connection.prototype by secret.cc's initializer). Secret values are never logged, and every native copy
// of one is zeroed before its memory is released (SecretBytes).
#pragma once
#include <napi.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <cstddef>
#include <vector>

#include "wrapped_object.h"
#include "vir_ref.h"

namespace tandem {

using SecretRef = VirRef<virSecretPtr, virSecretRef, virSecretFree>;

// A secret value in native memory: fixed size (never reallocated, so no stale copy is left behind) and
// zeroed on destruction. Shared through std::shared_ptr so the copies std::function makes of a worker's
// captures all refer to the one buffer.
class SecretBytes {
 public:
  SecretBytes(const unsigned char* data, size_t size);
  ~SecretBytes();
  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;

  const unsigned char* data() const { return bytes_.data(); }
  size_t size() const { return bytes_.size(); }

 private:
  std::vector<unsigned char> bytes_;
};

// Zeroes `size` bytes at `data` in a way the compiler may not optimise away.
void SecureZero(void* data, size_t size);

class Secret : public WrappedObject<Secret, SecretRef> {
 public:
  static constexpr const char* kClassName = "Secret";
  static constexpr int kInvalidCode = VIR_ERR_INVALID_SECRET;
  static constexpr int kErrorDomain = VIR_FROM_SECRET;

  static Napi::Function Init(Napi::Env env);
  using WrappedObject::WrappedObject;

 private:
  Napi::Value GetUUIDString(const Napi::CallbackInfo& info);  // virSecretGetUUIDString (local)
  Napi::Value GetUsageType(const Napi::CallbackInfo& info);   // virSecretGetUsageType (local)
  Napi::Value GetUsageID(const Napi::CallbackInfo& info);     // virSecretGetUsageID (local)
  Napi::Value GetXMLDesc(const Napi::CallbackInfo& info);     // virSecretGetXMLDesc
  Napi::Value SetValue(const Napi::CallbackInfo& info);       // virSecretSetValue
  Napi::Value GetValue(const Napi::CallbackInfo& info);       // virSecretGetValue
  Napi::Value Undefine(const Napi::CallbackInfo& info);       // virSecretUndefine
};

}  // namespace tandem
