// Block jobs and per-disk queries, added to Domain.prototype: commit, pull, rebase and copy start a job on
// one disk of a running domain; getBlockJobInfo follows it, blockJobSetSpeed throttles it and blockJobAbort
// cancels it or (PIVOT) switches the disk to the job's result. Also the disk's size (virDomainGetBlockInfo),
// I/O statistics (virDomainBlockStatsFlags) and I/O throttling (virDomainGet/SetBlockIoTune), all typed
// parameters through typed_params.h.
//
// Bandwidths are `unsigned long` in libvirt: MiB/s, or bytes/s with the call's *_BANDWIDTH_BYTES flag.
#include <libvirt/libvirt.h>
#include <napi.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "addon_data.h"
#include "args.h"
#include "async_call.h"
#include "domhost_helpers.h"
#include "module_registry.h"
#include "typed_params.h"

namespace tandem {

namespace {

using domhost::CStr;
using domhost::DomainVoidCall;
using domhost::OptionalString;

// A bandwidth argument: a non-negative safe integer (unsigned long is 64-bit on the platforms we build for).
unsigned long Bandwidth(const Napi::CallbackInfo& info, size_t index) {
  return static_cast<unsigned long>(domhost::RequireUint64(info, index, "bandwidth"));
}

// ---- starting jobs ----

// blockCommit(disk, base|null, top|null, bandwidth, flags?: virDomainBlockCommitFlags)
Napi::Value BlockCommit(const Napi::CallbackInfo& info) {
  std::string disk = RequireString(info, 0, "disk");
  std::optional<std::string> base = OptionalString(info, 1, "base");
  std::optional<std::string> top = OptionalString(info, 2, "top");
  unsigned long bandwidth = Bandwidth(info, 3);
  unsigned int flags = OptionalUint(info, 4, "flags");
  return DomainVoidCall(info, "virDomainBlockCommit", [disk, base, top, bandwidth, flags](virDomainPtr d) {
    return virDomainBlockCommit(d, disk.c_str(), CStr(base), CStr(top), bandwidth, flags);
  });
}

// blockPull(disk, bandwidth, flags?: virDomainBlockPullFlags)
Napi::Value BlockPull(const Napi::CallbackInfo& info) {
  std::string disk = RequireString(info, 0, "disk");
  unsigned long bandwidth = Bandwidth(info, 1);
  unsigned int flags = OptionalUint(info, 2, "flags");
  return DomainVoidCall(info, "virDomainBlockPull", [disk, bandwidth, flags](virDomainPtr d) {
    return virDomainBlockPull(d, disk.c_str(), bandwidth, flags);
  });
}

// blockRebase(disk, base|null, bandwidth, flags?: virDomainBlockRebaseFlags)
Napi::Value BlockRebase(const Napi::CallbackInfo& info) {
  std::string disk = RequireString(info, 0, "disk");
  std::optional<std::string> base = OptionalString(info, 1, "base");
  unsigned long bandwidth = Bandwidth(info, 2);
  unsigned int flags = OptionalUint(info, 3, "flags");
  return DomainVoidCall(info, "virDomainBlockRebase", [disk, base, bandwidth, flags](virDomainPtr d) {
    return virDomainBlockRebase(d, disk.c_str(), CStr(base), bandwidth, flags);
  });
}

// The tunables virDomainBlockCopy accepts (libvirt-domain.h, VIR_DOMAIN_BLOCK_COPY_*).
const TypedParamSchema& BlockCopySchema() {
  static const TypedParamSchema schema = {
      {VIR_DOMAIN_BLOCK_COPY_BANDWIDTH, VIR_TYPED_PARAM_ULLONG},
      {VIR_DOMAIN_BLOCK_COPY_GRANULARITY, VIR_TYPED_PARAM_UINT},
      {VIR_DOMAIN_BLOCK_COPY_BUF_SIZE, VIR_TYPED_PARAM_ULLONG},
  };
  return schema;
}

// Typed parameters from an optional object argument: omitted or null means "none".
std::shared_ptr<TypedParams> OptionalParams(const Napi::CallbackInfo& info, size_t index, const TypedParamSchema& schema,
                                            const char* what) {
  if (!domhost::Present(info, index)) return std::make_shared<TypedParams>();
  return std::make_shared<TypedParams>(TypedParams::FromObject(info.Env(), info[index], schema, what));
}

// blockCopy(disk, destXml, params?: {bandwidth, granularity, buf-size}, flags?: virDomainBlockCopyFlags)
Napi::Value BlockCopy(const Napi::CallbackInfo& info) {
  std::string disk = RequireString(info, 0, "disk");
  std::string destXml = RequireString(info, 1, "destXml");
  std::shared_ptr<TypedParams> params = OptionalParams(info, 2, BlockCopySchema(), "params");
  unsigned int flags = OptionalUint(info, 3, "flags");
  return DomainVoidCall(info, "virDomainBlockCopy", [disk, destXml, params, flags](virDomainPtr d) {
    return virDomainBlockCopy(d, disk.c_str(), destXml.c_str(), params->data(), params->size(), flags);
  });
}

// ---- following and ending jobs ----

// blockJobAbort(disk, flags?: virDomainBlockJobAbortFlags): ASYNC returns at once, PIVOT finishes a copy or
// an active commit by switching the disk over.
Napi::Value BlockJobAbort(const Napi::CallbackInfo& info) {
  std::string disk = RequireString(info, 0, "disk");
  unsigned int flags = OptionalUint(info, 1, "flags");
  return DomainVoidCall(info, "virDomainBlockJobAbort",
                        [disk, flags](virDomainPtr d) { return virDomainBlockJobAbort(d, disk.c_str(), flags); });
}

// blockJobSetSpeed(disk, bandwidth, flags?: virDomainBlockJobSetSpeedFlags)
Napi::Value BlockJobSetSpeed(const Napi::CallbackInfo& info) {
  std::string disk = RequireString(info, 0, "disk");
  unsigned long bandwidth = Bandwidth(info, 1);
  unsigned int flags = OptionalUint(info, 2, "flags");
  return DomainVoidCall(info, "virDomainBlockJobSetSpeed", [disk, bandwidth, flags](virDomainPtr d) {
    return virDomainBlockJobSetSpeed(d, disk.c_str(), bandwidth, flags);
  });
}

// nullopt when the disk has no job (libvirt returns 0 and leaves the struct unspecified).
using OptionalJobInfo = std::optional<virDomainBlockJobInfo>;

Napi::Value JobInfoToJs(Napi::Env env, OptionalJobInfo& job) {
  if (!job) return env.Null();
  Napi::Object o = Napi::Object::New(env);
  o.Set("type", job->type);  // virDomainBlockJobType
  o.Set("bandwidth", static_cast<double>(job->bandwidth));
  o.Set("cur", static_cast<double>(job->cur));
  o.Set("end", static_cast<double>(job->end));
  return o;
}

// getBlockJobInfo(disk, flags?: virDomainBlockJobInfoFlags) -> {type, bandwidth, cur, end} | null
Napi::Value GetBlockJobInfo(const Napi::CallbackInfo& info) {
  DomainRef d = domhost::ThisDomain(info);
  std::string disk = RequireString(info, 0, "disk");
  unsigned int flags = OptionalUint(info, 1, "flags");
  return AsyncCall<OptionalJobInfo>::Run(
      info.Env(), "virDomainGetBlockJobInfo",
      [d, disk, flags]() -> OptionalJobInfo {
        virDomainBlockJobInfo job{};
        int r = virDomainGetBlockJobInfo(d.get(), disk.c_str(), &job, flags);
        if (r < 0) ThrowLastError("virDomainGetBlockJobInfo");
        if (r == 0) return std::nullopt;
        return job;
      },
      JobInfoToJs);
}

// ---- per-disk queries ----

// blockInfo(disk, flags?) -> {capacity, allocation, physical} in bytes
Napi::Value BlockInfo(const Napi::CallbackInfo& info) {
  DomainRef d = domhost::ThisDomain(info);
  std::string disk = RequireString(info, 0, "disk");
  unsigned int flags = OptionalUint(info, 1, "flags");
  return AsyncCall<virDomainBlockInfo>::Run(
      info.Env(), "virDomainGetBlockInfo",
      [d, disk, flags] {
        virDomainBlockInfo out{};
        if (virDomainGetBlockInfo(d.get(), disk.c_str(), &out, flags) < 0) ThrowLastError("virDomainGetBlockInfo");
        return out;
      },
      [](Napi::Env env, virDomainBlockInfo& b) -> Napi::Value {
        Napi::Object o = Napi::Object::New(env);
        o.Set("capacity", static_cast<double>(b.capacity));
        o.Set("allocation", static_cast<double>(b.allocation));
        o.Set("physical", static_cast<double>(b.physical));
        return o;
      });
}

// The shape of virDomainBlockStatsFlags and virDomainGetBlockIoTune: called once with no array to learn
// how many parameters the driver has for this disk, then with an array that size.
using DiskParamsFn = int (*)(virDomainPtr, const char*, virTypedParameterPtr, int*, unsigned int);

TypedParamList FetchDiskParams(virDomainPtr d, const std::string& disk, unsigned int flags, DiskParamsFn fn,
                               const char* function) {
  int n = 0;
  if (fn(d, disk.c_str(), nullptr, &n, flags) < 0) ThrowLastError(function);
  std::vector<virTypedParameter> params(static_cast<size_t>(n > 0 ? n : 1));
  if (n > 0 && fn(d, disk.c_str(), params.data(), &n, flags) < 0) ThrowLastError(function);
  TypedParamList out = CopyTypedParams(params.data(), n);
  virTypedParamsClear(params.data(), n);  // strings inside (group_name); the array itself is ours
  return out;
}

Napi::Value DiskParamsCall(const Napi::CallbackInfo& info, DiskParamsFn fn, const char* function) {
  DomainRef d = domhost::ThisDomain(info);
  std::string disk = RequireString(info, 0, "disk");
  unsigned int flags = OptionalUint(info, 1, "flags");
  return AsyncCall<TypedParamList>::Run(
      info.Env(), function, [d, disk, flags, fn, function] { return FetchDiskParams(d.get(), disk, flags, fn, function); },
      [](Napi::Env env, TypedParamList& list) -> Napi::Value { return TypedParamsToObject(env, list); });
}

// blockStats(disk, flags?: VIR_TYPED_PARAM_STRING_OKAY) -> { rd_bytes, wr_bytes, ... }
Napi::Value BlockStats(const Napi::CallbackInfo& info) {
  return DiskParamsCall(info, virDomainBlockStatsFlags, "virDomainBlockStatsFlags");
}

// getBlockIoTune(disk, flags?: virDomainModificationImpact) -> { total_bytes_sec, ..., group_name }
Napi::Value GetBlockIoTune(const Napi::CallbackInfo& info) {
  return DiskParamsCall(info, virDomainGetBlockIoTune, "virDomainGetBlockIoTune");
}

// The tunables virDomainSetBlockIoTune accepts (VIR_DOMAIN_BLOCK_IOTUNE_*): every one a ullong but the group.
const TypedParamSchema& BlockIoTuneSchema() {
  static const TypedParamSchema schema = [] {
    TypedParamSchema s;
    for (const char* field : {VIR_DOMAIN_BLOCK_IOTUNE_TOTAL_BYTES_SEC, VIR_DOMAIN_BLOCK_IOTUNE_READ_BYTES_SEC,
                              VIR_DOMAIN_BLOCK_IOTUNE_WRITE_BYTES_SEC, VIR_DOMAIN_BLOCK_IOTUNE_TOTAL_IOPS_SEC,
                              VIR_DOMAIN_BLOCK_IOTUNE_READ_IOPS_SEC, VIR_DOMAIN_BLOCK_IOTUNE_WRITE_IOPS_SEC,
                              VIR_DOMAIN_BLOCK_IOTUNE_TOTAL_BYTES_SEC_MAX, VIR_DOMAIN_BLOCK_IOTUNE_READ_BYTES_SEC_MAX,
                              VIR_DOMAIN_BLOCK_IOTUNE_WRITE_BYTES_SEC_MAX, VIR_DOMAIN_BLOCK_IOTUNE_TOTAL_IOPS_SEC_MAX,
                              VIR_DOMAIN_BLOCK_IOTUNE_READ_IOPS_SEC_MAX, VIR_DOMAIN_BLOCK_IOTUNE_WRITE_IOPS_SEC_MAX,
                              VIR_DOMAIN_BLOCK_IOTUNE_TOTAL_BYTES_SEC_MAX_LENGTH,
                              VIR_DOMAIN_BLOCK_IOTUNE_READ_BYTES_SEC_MAX_LENGTH,
                              VIR_DOMAIN_BLOCK_IOTUNE_WRITE_BYTES_SEC_MAX_LENGTH,
                              VIR_DOMAIN_BLOCK_IOTUNE_TOTAL_IOPS_SEC_MAX_LENGTH,
                              VIR_DOMAIN_BLOCK_IOTUNE_READ_IOPS_SEC_MAX_LENGTH,
                              VIR_DOMAIN_BLOCK_IOTUNE_WRITE_IOPS_SEC_MAX_LENGTH, VIR_DOMAIN_BLOCK_IOTUNE_SIZE_IOPS_SEC}) {
      s[field] = VIR_TYPED_PARAM_ULLONG;
    }
    s[VIR_DOMAIN_BLOCK_IOTUNE_GROUP_NAME] = VIR_TYPED_PARAM_STRING;
    return s;
  }();
  return schema;
}

// setBlockIoTune(disk, params, flags?: virDomainModificationImpact)
Napi::Value SetBlockIoTune(const Napi::CallbackInfo& info) {
  std::string disk = RequireString(info, 0, "disk");
  auto params = std::make_shared<TypedParams>(TypedParams::FromObject(
      info.Env(), info.Length() > 1 ? info[1] : info.Env().Undefined(), BlockIoTuneSchema(), "params"));
  unsigned int flags = OptionalUint(info, 2, "flags");
  return DomainVoidCall(info, "virDomainSetBlockIoTune", [disk, params, flags](virDomainPtr d) {
    return virDomainSetBlockIoTune(d, disk.c_str(), params->data(), params->size(), flags);
  });
}

void InitBlockJobs(Napi::Env env, Napi::Object) {
  const Napi::FunctionReference& dom = AddonData::Get(env)->domainClass;
  AddMethod(env, dom, "blockCommit", BlockCommit);
  AddMethod(env, dom, "blockPull", BlockPull);
  AddMethod(env, dom, "blockRebase", BlockRebase);
  AddMethod(env, dom, "blockCopy", BlockCopy);
  AddMethod(env, dom, "blockJobAbort", BlockJobAbort);
  AddMethod(env, dom, "blockJobSetSpeed", BlockJobSetSpeed);
  AddMethod(env, dom, "getBlockJobInfo", GetBlockJobInfo);
  AddMethod(env, dom, "blockInfo", BlockInfo);
  AddMethod(env, dom, "blockStats", BlockStats);
  AddMethod(env, dom, "getBlockIoTune", GetBlockIoTune);
  AddMethod(env, dom, "setBlockIoTune", SetBlockIoTune);
}

}  // namespace

TANDEM_BINDING_MODULE(block_jobs, InitBlockJobs);

}  // namespace tandem
