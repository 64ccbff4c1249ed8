// Backups (virDomainBackupBegin / virDomainBackupGetXMLDesc) and domain jobs (virDomainGetJobInfo,
// virDomainGetJobStats, virDomainAbortJob), added to Domain. A backup runs as the domain's job, so the
// job calls are how a caller follows and cancels it.
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <napi.h>

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "addon_data.h"
#include "args.h"
#include "async_call.h"
#include "domain.h"
#include "module_registry.h"
#include "typed_params.h"

namespace tandem {

namespace {

// The checkpoint XML of backupBegin is optional: a string, or null/undefined for "no new checkpoint".
std::optional<std::string> OptionalString(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (info.Length() <= index || info[index].IsUndefined() || info[index].IsNull()) return std::nullopt;
  if (!info[index].IsString()) throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a string or null");
  return info[index].As<Napi::String>().Utf8Value();
}

Napi::Value VoidResult(Napi::Env env, const char* function, DomainRef d, int (*fn)(virDomainPtr, unsigned int),
                       unsigned int flags) {
  return AsyncCall<Unit>::Run(
      env, function,
      [d, fn, flags, function] {
        if (fn(d.get(), flags) < 0) ThrowLastError(function);
        return Unit{};
      },
      ToUndefined);
}

Napi::Value BackupBegin(const Napi::CallbackInfo& info) {
  DomainRef d = Domain::FromValue(info.Env(), info.This(), "this");
  std::string backupXml = RequireString(info, 0, "backupXml");
  std::optional<std::string> checkpointXml = OptionalString(info, 1, "checkpointXml");
  unsigned int flags = OptionalUint(info, 2, "flags");
  return AsyncCall<Unit>::Run(
      info.Env(), "virDomainBackupBegin",
      [d, backupXml, checkpointXml, flags] {
        const char* cp = checkpointXml ? checkpointXml->c_str() : nullptr;
        if (virDomainBackupBegin(d.get(), backupXml.c_str(), cp, flags) < 0) ThrowLastError("virDomainBackupBegin");
        return Unit{};
      },
      ToUndefined);
}

Napi::Value BackupGetXMLDesc(const Napi::CallbackInfo& info) {
  DomainRef d = Domain::FromValue(info.Env(), info.This(), "this");
  unsigned int flags = OptionalUint(info, 0, "flags");
  return AsyncCall<std::string>::Run(
      info.Env(), "virDomainBackupGetXMLDesc",
      [d, flags] {
        char* xml = virDomainBackupGetXMLDesc(d.get(), flags);
        if (xml == nullptr) ThrowLastError("virDomainBackupGetXMLDesc");
        return TakeString(xml);
      },
      [](Napi::Env env, std::string& xml) -> Napi::Value { return Napi::String::New(env, xml); });
}

Napi::Value GetJobInfo(const Napi::CallbackInfo& info) {
  DomainRef d = Domain::FromValue(info.Env(), info.This(), "this");
  return AsyncCall<virDomainJobInfo>::Run(
      info.Env(), "virDomainGetJobInfo",
      [d] {
        virDomainJobInfo out{};
        if (virDomainGetJobInfo(d.get(), &out) < 0) ThrowLastError("virDomainGetJobInfo");
        return out;
      },
      [](Napi::Env env, virDomainJobInfo& j) -> Napi::Value {
        // Byte counts and milliseconds as JS numbers: exact up to 2^53 (8 PiB), beyond any real job.
        Napi::Object o = Napi::Object::New(env);
        o.Set("type", j.type);
        o.Set("timeElapsed", static_cast<double>(j.timeElapsed));
        o.Set("timeRemaining", static_cast<double>(j.timeRemaining));
        o.Set("dataTotal", static_cast<double>(j.dataTotal));
        o.Set("dataProcessed", static_cast<double>(j.dataProcessed));
        o.Set("dataRemaining", static_cast<double>(j.dataRemaining));
        o.Set("memTotal", static_cast<double>(j.memTotal));
        o.Set("memProcessed", static_cast<double>(j.memProcessed));
        o.Set("memRemaining", static_cast<double>(j.memRemaining));
        o.Set("fileTotal", static_cast<double>(j.fileTotal));
        o.Set("fileProcessed", static_cast<double>(j.fileProcessed));
        o.Set("fileRemaining", static_cast<double>(j.fileRemaining));
        return o;
      });
}

struct JobStats {
  int type = VIR_DOMAIN_JOB_NONE;
  TypedParamList params;
};

Napi::Value GetJobStats(const Napi::CallbackInfo& info) {
  DomainRef d = Domain::FromValue(info.Env(), info.This(), "this");
  unsigned int flags = OptionalUint(info, 0, "flags");
  return AsyncCall<JobStats>::Run(
      info.Env(), "virDomainGetJobStats",
      [d, flags] {
        JobStats out;
        virTypedParameterPtr params = nullptr;
        int n = 0;
        if (virDomainGetJobStats(d.get(), &out.type, &params, &n, flags) < 0) ThrowLastError("virDomainGetJobStats");
        out.params = CopyTypedParams(params, n);
        virTypedParamsFree(params, n);
        return out;
      },
      [](Napi::Env env, JobStats& stats) -> Napi::Value {
        Napi::Object o = Napi::Object::New(env);
        o.Set("type", stats.type);
        o.Set("stats", TypedParamsToObject(env, stats.params));
        return o;
      });
}

Napi::Value AbortJob(const Napi::CallbackInfo& info) {
  DomainRef d = Domain::FromValue(info.Env(), info.This(), "this");
  unsigned int flags = OptionalUint(info, 0, "flags");
  // virDomainAbortJob is what every server knows; virDomainAbortJobFlags (libvirt 8.5) only when flags ask.
  if (flags == 0) {
    return VoidResult(info.Env(), "virDomainAbortJob", d, [](virDomainPtr p, unsigned int) { return virDomainAbortJob(p); },
                      0);
  }
  return VoidResult(info.Env(), "virDomainAbortJobFlags", d, virDomainAbortJobFlags, flags);
}

void InitBackupJobs(Napi::Env env, Napi::Object) {
  const Napi::FunctionReference& domain = AddonData::Get(env)->domainClass;
  AddMethod(env, domain, "backupBegin", BackupBegin);
  AddMethod(env, domain, "backupGetXMLDesc", BackupGetXMLDesc);
  AddMethod(env, domain, "getJobInfo", GetJobInfo);
  AddMethod(env, domain, "getJobStats", GetJobStats);
  AddMethod(env, domain, "abortJob", AbortJob);
}

}  // namespace

TANDEM_BINDING_MODULE(backup_jobs, InitBackupJobs);

}  // namespace tandem
