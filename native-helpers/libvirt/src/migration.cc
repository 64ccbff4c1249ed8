// Migration, added to Domain.prototype: virDomainMigrateToURI3 (peer-to-peer or direct, the source daemon
// drives), virDomainMigrate3 (the client drives, with a connection to each side), both with libvirt's
// VIR_MIGRATE_PARAM_* typed parameters; and the tunables of a running migration (max downtime, max
// speed, xbzrle compression cache, switch to post-copy). Progress is getJobStats (backup_jobs.cc).
#include <libvirt/libvirt.h>

#include <memory>
#include <optional>
#include <string>

#include "addon_data.h"
#include "args.h"
#include "async_call.h"
#include "connection.h"
#include "domain.h"
#include "domhost_helpers.h"
#include "module_registry.h"
#include "typed_params.h"

namespace tandem {

namespace {

using domhost::CStr;
using domhost::DomainVoidCall;
using domhost::OptionalString;
using domhost::RequireUint64;

// Every VIR_MIGRATE_PARAM_* of libvirt-domain.h with its documented type. migrate_disks and compression
// are "multiple" fields: JS passes an array of strings, added once per element.
const TypedParamSchema& MigrateSchema() {
  static const TypedParamSchema schema = {
      {VIR_MIGRATE_PARAM_URI, VIR_TYPED_PARAM_STRING},
      {VIR_MIGRATE_PARAM_DEST_NAME, VIR_TYPED_PARAM_STRING},
      {VIR_MIGRATE_PARAM_DEST_XML, VIR_TYPED_PARAM_STRING},
      {VIR_MIGRATE_PARAM_PERSIST_XML, VIR_TYPED_PARAM_STRING},
      {VIR_MIGRATE_PARAM_BANDWIDTH, VIR_TYPED_PARAM_ULLONG},
      {VIR_MIGRATE_PARAM_BANDWIDTH_POSTCOPY, VIR_TYPED_PARAM_ULLONG},
      {VIR_MIGRATE_PARAM_GRAPHICS_URI, VIR_TYPED_PARAM_STRING},
      {VIR_MIGRATE_PARAM_LISTEN_ADDRESS, VIR_TYPED_PARAM_STRING},
      {VIR_MIGRATE_PARAM_MIGRATE_DISKS, VIR_TYPED_PARAM_STRING},
      {VIR_MIGRATE_PARAM_DISKS_PORT, VIR_TYPED_PARAM_INT},
      {VIR_MIGRATE_PARAM_DISKS_URI, VIR_TYPED_PARAM_STRING},
      {VIR_MIGRATE_PARAM_COMPRESSION, VIR_TYPED_PARAM_STRING},
      {VIR_MIGRATE_PARAM_COMPRESSION_MT_LEVEL, VIR_TYPED_PARAM_INT},
      {VIR_MIGRATE_PARAM_COMPRESSION_MT_THREADS, VIR_TYPED_PARAM_INT},
      {VIR_MIGRATE_PARAM_COMPRESSION_MT_DTHREADS, VIR_TYPED_PARAM_INT},
      {VIR_MIGRATE_PARAM_COMPRESSION_XBZRLE_CACHE, VIR_TYPED_PARAM_ULLONG},
      {VIR_MIGRATE_PARAM_AUTO_CONVERGE_INITIAL, VIR_TYPED_PARAM_INT},
      {VIR_MIGRATE_PARAM_AUTO_CONVERGE_INCREMENT, VIR_TYPED_PARAM_INT},
      {VIR_MIGRATE_PARAM_PARALLEL_CONNECTIONS, VIR_TYPED_PARAM_INT},
      {VIR_MIGRATE_PARAM_TLS_DESTINATION, VIR_TYPED_PARAM_STRING},
  };
  return schema;
}

// The params argument, converted on the JS thread (unknown names and wrong types are TypeErrors before
// any work). Shared with the worker: AsyncCall's lambdas must be copyable, TypedParams is move-only.
std::shared_ptr<TypedParams> MigrateParams(const Napi::CallbackInfo& info, size_t index) {
  if (!domhost::Present(info, index)) return std::make_shared<TypedParams>();  // libvirt's defaults
  return std::make_shared<TypedParams>(TypedParams::FromObject(info.Env(), info[index], MigrateSchema(), "params"));
}

// migrateToURI3(dconnuri: string | null, params, flags?: virDomainMigrateFlags). dconnuri is the
// destination libvirt URI (required with VIR_MIGRATE_PEER2PEER); without P2P it is null and params'
// migrate_uri says where the hypervisor connects.
Napi::Value MigrateToURI3(const Napi::CallbackInfo& info) {
  std::optional<std::string> dconnuri = OptionalString(info, 0, "dconnuri");
  auto params = MigrateParams(info, 1);
  unsigned int flags = OptionalUint(info, 2, "flags");
  return DomainVoidCall(info, "virDomainMigrateToURI3", [dconnuri, params, flags](virDomainPtr d) {
    return virDomainMigrateToURI3(d, CStr(dconnuri), params->data(), static_cast<unsigned int>(params->size()), flags);
  });
}

// migrate3(destConn: Connection, params, flags?) -> the Domain on the destination connection.
Napi::Value Migrate3(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!domhost::Present(info, 0)) throw Napi::TypeError::New(env, "destConn must be a Connection");
  ConnectRef dest = Connection::FromValue(env, info[0]);
  auto params = MigrateParams(info, 1);
  unsigned int flags = OptionalUint(info, 2, "flags");
  DomainRef d = domhost::ThisDomain(info);
  return AsyncCall<DomainRef>::Run(
      env, "virDomainMigrate3",
      [d, dest, params, flags] {
        virDomainPtr migrated =
            virDomainMigrate3(d.get(), dest.get(), params->data(), static_cast<unsigned int>(params->size()), flags);
        if (migrated == nullptr) ThrowLastError("virDomainMigrate3");
        return DomainRef::Adopt(migrated);
      },
      [](Napi::Env e, DomainRef& ref) -> Napi::Value { return Domain::Wrap(e, std::move(ref)); });
}

// A getter of one unsigned value: fn(domain, &out) returns 0 or -1.
template <typename T, typename Fn>
Napi::Value DomainGetUnsigned(const Napi::CallbackInfo& info, const char* function, Fn fn) {
  DomainRef d = domhost::ThisDomain(info);
  return AsyncCall<T>::Run(
      info.Env(), function,
      [d, fn, function] {
        T value = 0;
        if (fn(d.get(), &value) < 0) ThrowLastError(function);
        return value;
      },
      [](Napi::Env e, T& v) -> Napi::Value { return Napi::Number::New(e, static_cast<double>(v)); });
}

// migrateSetMaxDowntime(ms): the longest pause the final switch-over may take.
Napi::Value MigrateSetMaxDowntime(const Napi::CallbackInfo& info) {
  unsigned long long ms = RequireUint64(info, 0, "downtimeMs");
  return DomainVoidCall(info, "virDomainMigrateSetMaxDowntime",
                        [ms](virDomainPtr d) { return virDomainMigrateSetMaxDowntime(d, ms, 0); });
}

Napi::Value MigrateGetMaxDowntime(const Napi::CallbackInfo& info) {
  return DomainGetUnsigned<unsigned long long>(info, "virDomainMigrateGetMaxDowntime", [](virDomainPtr d, unsigned long long* v) {
    return virDomainMigrateGetMaxDowntime(d, v, 0);
  });
}

// migrateSetMaxSpeed(MiB/s, flags?: virDomainMigrateMaxSpeedFlags). Works before and during a migration.
Napi::Value MigrateSetMaxSpeed(const Napi::CallbackInfo& info) {
  unsigned long mibps = static_cast<unsigned long>(RequireUint64(info, 0, "bandwidthMiBs"));
  unsigned int flags = OptionalUint(info, 1, "flags");
  return DomainVoidCall(info, "virDomainMigrateSetMaxSpeed",
                        [mibps, flags](virDomainPtr d) { return virDomainMigrateSetMaxSpeed(d, mibps, flags); });
}

Napi::Value MigrateGetMaxSpeed(const Napi::CallbackInfo& info) {
  unsigned int flags = OptionalUint(info, 0, "flags");
  return DomainGetUnsigned<unsigned long>(info, "virDomainMigrateGetMaxSpeed", [flags](virDomainPtr d, unsigned long* v) {
    return virDomainMigrateGetMaxSpeed(d, v, flags);
  });
}

// migrateSetCompressionCache(bytes): xbzrle page cache size.
Napi::Value MigrateSetCompressionCache(const Napi::CallbackInfo& info) {
  unsigned long long bytes = RequireUint64(info, 0, "cacheSizeBytes");
  return DomainVoidCall(info, "virDomainMigrateSetCompressionCache",
                        [bytes](virDomainPtr d) { return virDomainMigrateSetCompressionCache(d, bytes, 0); });
}

Napi::Value MigrateGetCompressionCache(const Napi::CallbackInfo& info) {
  return DomainGetUnsigned<unsigned long long>(
      info, "virDomainMigrateGetCompressionCache",
      [](virDomainPtr d, unsigned long long* v) { return virDomainMigrateGetCompressionCache(d, v, 0); });
}

// migrateStartPostCopy(flags?): switches a migration started with VIR_MIGRATE_POSTCOPY to post-copy.
Napi::Value MigrateStartPostCopy(const Napi::CallbackInfo& info) {
  unsigned int flags = OptionalUint(info, 0, "flags");
  return DomainVoidCall(info, "virDomainMigrateStartPostCopy",
                        [flags](virDomainPtr d) { return virDomainMigrateStartPostCopy(d, flags); });
}

void InitMigration(Napi::Env env, Napi::Object) {
  const Napi::FunctionReference& dom = AddonData::Get(env)->domainClass;
  AddMethod(env, dom, "migrateToURI3", MigrateToURI3);
  AddMethod(env, dom, "migrate3", Migrate3);
  AddMethod(env, dom, "migrateSetMaxDowntime", MigrateSetMaxDowntime);
  AddMethod(env, dom, "migrateGetMaxDowntime", MigrateGetMaxDowntime);
  AddMethod(env, dom, "migrateSetMaxSpeed", MigrateSetMaxSpeed);
  AddMethod(env, dom, "migrateGetMaxSpeed", MigrateGetMaxSpeed);
  AddMethod(env, dom, "migrateSetCompressionCache", MigrateSetCompressionCache);
  AddMethod(env, dom, "migrateGetCompressionCache", MigrateGetCompressionCache);
  AddMethod(env, dom, "migrateStartPostCopy", MigrateStartPostCopy);
}

}  // namespace

TANDEM_BINDING_MODULE(migration, InitMigration);

}  // namespace tandem
