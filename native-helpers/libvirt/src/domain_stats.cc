// Bulk domain statistics: virConnectGetAllDomainStats and virDomainListGetStats, added to
// Connection.prototype as getAllDomainStats(stats, flags) and getDomainStats(domains, stats, flags).
//
// Each record becomes `{ name, uuid, stats }` where `stats` keeps libvirt's own keys ("state.state",
// "vcpu.0.time", "block.1.rd.bytes", ...), so libvirt's documentation of the groups applies as is.
#include <libvirt/libvirt.h>

#include <memory>
#include <string>
#include <vector>

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

using domhost::RequireUint;

struct StatsRecord {
  std::string name;
  std::string uuid;
  TypedParamList stats;
};
using StatsRecords = std::vector<StatsRecord>;

// Frees the whole record list (records, their domains and typed params) however we leave the worker.
struct RecordListDeleter {
  void operator()(virDomainStatsRecordPtr* records) const { virDomainStatsRecordListFree(records); }
};
using RecordList = std::unique_ptr<virDomainStatsRecordPtr, RecordListDeleter>;

// Copies a record list into plain C++ data on the worker (name and UUID are local reads of the record's
// domain object, no round trip), so the JS thread only builds objects.
StatsRecords CopyRecords(virDomainStatsRecordPtr* raw, int count) {
  RecordList records(raw);
  StatsRecords out;
  out.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; i++) {
    virDomainStatsRecordPtr r = records.get()[i];
    char uuid[VIR_UUID_STRING_BUFLEN] = {0};
    if (virDomainGetUUIDString(r->dom, uuid) < 0) ThrowLastError("virDomainGetUUIDString");
    const char* name = virDomainGetName(r->dom);
    out.push_back({name != nullptr ? name : "", uuid, CopyTypedParams(r->params, r->nparams)});
  }
  return out;
}

Napi::Value RecordsToJs(Napi::Env env, StatsRecords& records) {
  Napi::Array array = Napi::Array::New(env, records.size());
  for (size_t i = 0; i < records.size(); i++) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", records[i].name);
    o.Set("uuid", records[i].uuid);
    o.Set("stats", TypedParamsToObject(env, records[i].stats));
    array.Set(static_cast<uint32_t>(i), o);
  }
  return array;
}

// getAllDomainStats(stats: virDomainStatsTypes bits, flags?: virConnectGetAllDomainStatsFlags)
Napi::Value GetAllDomainStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ConnectRef c = Connection::FromValue(env, info.This());
  unsigned int stats = RequireUint(info, 0, "stats");
  unsigned int flags = OptionalUint(info, 1, "flags");
  return AsyncCall<StatsRecords>::Run(
      env, "virConnectGetAllDomainStats",
      [c, stats, flags] {
        virDomainStatsRecordPtr* records = nullptr;
        int n = virConnectGetAllDomainStats(c.get(), stats, &records, flags);
        if (n < 0) ThrowLastError("virConnectGetAllDomainStats");
        return CopyRecords(records, n);
      },
      RecordsToJs);
}

std::vector<DomainRef> RequireDomains(const Napi::CallbackInfo& info, size_t index) {
  Napi::Env env = info.Env();
  if (info.Length() <= index || !info[index].IsArray() || info[index].As<Napi::Array>().Length() == 0) {
    throw Napi::TypeError::New(env, "domains must be a non-empty array of Domain");
  }
  Napi::Array array = info[index].As<Napi::Array>();
  std::vector<DomainRef> out;
  for (uint32_t i = 0; i < array.Length(); i++) out.push_back(Domain::FromValue(env, array.Get(i), "domains[i]"));
  return out;
}

// getDomainStats(domains: Domain[], stats, flags?)
Napi::Value GetDomainStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Connection::FromValue(env, info.This());  // the receiver must be an open Connection
  std::vector<DomainRef> domains = RequireDomains(info, 0);
  unsigned int stats = RequireUint(info, 1, "stats");
  unsigned int flags = OptionalUint(info, 2, "flags");
  return AsyncCall<StatsRecords>::Run(
      env, "virDomainListGetStats",
      [domains, stats, flags] {
        std::vector<virDomainPtr> list;  // NULL-terminated, as libvirt wants it
        for (const DomainRef& d : domains) list.push_back(d.get());
        list.push_back(nullptr);
        virDomainStatsRecordPtr* records = nullptr;
        int n = virDomainListGetStats(list.data(), stats, &records, flags);
        if (n < 0) ThrowLastError("virDomainListGetStats");
        return CopyRecords(records, n);
      },
      RecordsToJs);
}

void InitDomainStats(Napi::Env env, Napi::Object) {
  const Napi::FunctionReference& cls = AddonData::Get(env)->connectionClass;
  AddMethod(env, cls, "getAllDomainStats", GetAllDomainStats);
  AddMethod(env, cls, "getDomainStats", GetDomainStats);
}

}  // namespace

TANDEM_BINDING_MODULE(domain_stats, InitDomainStats);

}  // namespace tandem
