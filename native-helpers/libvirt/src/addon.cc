// Entry point of the tandem_libvirt addon: N-API only (node-addon-api), so the same build loads in Node and
// Electron. See ../README.md for the design; lib/index.ts is the typed surface JS code uses.
#include <libvirt/libvirt.h>
#include <napi.h>

#include "addon_data.h"
#include "connection.h"
#include "domain.h"
#include "errors.h"
#include "event_loop.h"
#include "module_registry.h"

namespace tandem {

// setErrorClass(LibvirtError): the class MakeLibvirtError instantiates, so errors from every call are
// instances of the TS-side class with its code names.
static Napi::Value SetErrorClass(const Napi::CallbackInfo& info) {
  if (info.Length() != 1 || !info[0].IsFunction()) throw Napi::TypeError::New(info.Env(), "expected a class");
  AddonData::Get(info.Env())->errorClass = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // virInitialize makes libvirt's global state thread-safe before workers use it.
  if (virInitialize() < 0) throw MakeLibvirtError(env, CaptureLastError("virInitialize"), "virInitialize");
  SilenceDefaultErrorHandler();
  EnsureEventLoop();

  auto* data = new AddonData();
  env.SetInstanceData(data);
  Napi::Function connection = Connection::Init(env);
  Napi::Function domain = Domain::Init(env);
  data->connectionClass = Napi::Persistent(connection);
  data->domainClass = Napi::Persistent(domain);

  for (const BindingModule& module : RegisteredModules()) module.init(env, exports);

  exports.Set("Connection", connection);
  exports.Set("Domain", domain);
  exports.Set("connectOpen", Napi::Function::New(env, Connection::Open, "connectOpen"));
  exports.Set("setErrorClass", Napi::Function::New(env, SetErrorClass, "setErrorClass"));
  unsigned long version = 0;
  virGetVersion(&version, nullptr, nullptr);
  exports.Set("libraryVersion", Napi::Number::New(env, static_cast<double>(version)));
  return exports;
}

}  // namespace tandem

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return tandem::Init(env, exports); }

NODE_API_MODULE(tandem_libvirt, InitAddon)
