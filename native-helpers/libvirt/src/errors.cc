#include "errors.h"

#include <libvirt/virterror.h>

#include "addon_data.h"

namespace tandem {

VirErrorInfo CaptureLastError(const char* function) {
  VirErrorInfo info;
  virErrorPtr err = virGetLastError();
  if (err != nullptr) {
    info.code = err->code;
    info.domain = err->domain;
    info.level = err->level;
    info.message = err->message != nullptr ? err->message : "";
    virResetLastError();
  } else {
    info.code = VIR_ERR_INTERNAL_ERROR;
    info.level = VIR_ERR_ERROR;
    info.message = std::string(function) + " failed without a libvirt error";
  }
  return info;
}

void ThrowLastError(const char* function) { throw VirFailure(CaptureLastError(function)); }

Napi::Error MakeLibvirtError(Napi::Env env, const VirErrorInfo& info, const char* function) {
  Napi::Object props = Napi::Object::New(env);
  props.Set("code", info.code);
  props.Set("domain", info.domain);
  props.Set("level", info.level);
  props.Set("function", function);
  AddonData* data = AddonData::Get(env);
  if (data != nullptr && !data->errorClass.IsEmpty()) {
    Napi::Value error = data->errorClass.New({Napi::String::New(env, info.message), props});
    return Napi::Error(env, error);
  }
  Napi::Error error = Napi::Error::New(env, info.message);
  Napi::Object obj = error.Value();
  for (const auto& key : props.GetPropertyNames()) {
    obj.Set(key.second, props.Get(key.second));
  }
  return error;
}

static void IgnoreError(void* /*userData*/, virErrorPtr /*error*/) {}

void SilenceDefaultErrorHandler() { virSetErrorFunc(nullptr, IgnoreError); }

}  // namespace tandem
