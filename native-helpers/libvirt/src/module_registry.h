// Binding modules (networks, storage, snapshots, ...) register themselves here, each from its own .cc file,
// so adding an area of the libvirt API touches no shared file: binding.gyp compiles every src/*.cc, and
// addon.cc runs every registered initializer after Connection and Domain exist.
//
// An initializer defines its classes (kept in AddonData::classes) and adds its methods to
// Connection.prototype / Domain.prototype with AddMethod, where `info.This()` is the receiver.
#pragma once
#include <napi.h>

#include <vector>

namespace tandem {

using ModuleInit = void (*)(Napi::Env env, Napi::Object exports);

struct BindingModule {
  const char* name;
  ModuleInit init;
};

inline std::vector<BindingModule>& RegisteredModules() {
  static std::vector<BindingModule> modules;  // function-local: safe across static initialization order
  return modules;
}

struct ModuleRegistrar {
  ModuleRegistrar(const char* name, ModuleInit init) { RegisteredModules().push_back({name, init}); }
};

// Adds a JS method implemented by a free function to a class's prototype.
inline void AddMethod(Napi::Env env, const Napi::FunctionReference& cls, const char* name, Napi::Function::Callback fn) {
  cls.Value().Get("prototype").As<Napi::Object>().Set(name, Napi::Function::New(env, fn, name));
}

}  // namespace tandem

#define TANDEM_BINDING_MODULE(name, init) \
  static const ::tandem::ModuleRegistrar tandem_module_registrar_##name(#name, init)
