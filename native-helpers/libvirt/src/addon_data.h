// Per-environment state (one per Node/Electron context or worker thread), as N-API instance data, so the
// addon is safe to load in several contexts at once.
#pragma once
#include <napi.h>

#include <string>
#include <unordered_map>

namespace tandem {

struct AddonData {
  Napi::FunctionReference connectionClass;
  Napi::FunctionReference domainClass;
  // The LibvirtError class from lib/index.ts, registered once at load.
  Napi::FunctionReference errorClass;
  // Classes defined by binding modules (Network, StoragePool, DomainSnapshot, ...), by class name.
  std::unordered_map<std::string, Napi::FunctionReference> classes;

  static AddonData* Get(Napi::Env env) { return env.GetInstanceData<AddonData>(); }
};

}  // namespace tandem
