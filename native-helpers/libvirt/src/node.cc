// Host (node) calls added to Connection.prototype: domain capabilities, CPU / memory statistics, free
// memory, CPU comparison and baselines, sysinfo. All of them can be RPCs, so all go through AsyncCall.
#include <libvirt/libvirt.h>

#include <string>
#include <utility>
#include <vector>

#include "addon_data.h"
#include "args.h"
#include "async_call.h"
#include "connection.h"
#include "domhost_helpers.h"
#include "module_registry.h"

namespace tandem {

namespace {

using domhost::CStr;
using domhost::CStrs;
using domhost::OptionalString;
using domhost::RequireInteger;
using domhost::RequireStringArray;
using domhost::RequireUint;
using domhost::StringToJs;

ConnectRef ThisConnection(const Napi::CallbackInfo& info) { return Connection::FromValue(info.Env(), info.This()); }

// A connection call returning a string libvirt allocated (NULL on failure).
template <typename Fn>
Napi::Value StringCall(const Napi::CallbackInfo& info, const char* function, Fn fn) {
  ConnectRef c = ThisConnection(info);
  return AsyncCall<std::string>::Run(
      info.Env(), function,
      [c, fn, function] {
        char* s = fn(c.get());
        if (s == nullptr) ThrowLastError(function);
        return TakeString(s);
      },
      StringToJs);
}

// The four optional strings that pick a hypervisor (emulator binary, arch, machine type, virt type).
struct HypervisorTarget {
  std::optional<std::string> emulator, arch, machine, virttype;
};

HypervisorTarget ReadTarget(const Napi::CallbackInfo& info, size_t first) {
  return {OptionalString(info, first, "emulatorbin"), OptionalString(info, first + 1, "arch"),
          OptionalString(info, first + 2, "machine"), OptionalString(info, first + 3, "virttype")};
}

// getDomainCapabilities(emulatorbin?, arch?, machine?, virttype?, flags?)
Napi::Value GetDomainCapabilities(const Napi::CallbackInfo& info) {
  HypervisorTarget t = ReadTarget(info, 0);
  unsigned int flags = OptionalUint(info, 4, "flags");
  return StringCall(info, "virConnectGetDomainCapabilities", [t, flags](virConnectPtr c) {
    return virConnectGetDomainCapabilities(c, CStr(t.emulator), CStr(t.arch), CStr(t.machine), CStr(t.virttype), flags);
  });
}

// getSysinfo(flags?)
Napi::Value GetSysinfo(const Napi::CallbackInfo& info) {
  unsigned int flags = OptionalUint(info, 0, "flags");
  return StringCall(info, "virConnectGetSysinfo", [flags](virConnectPtr c) { return virConnectGetSysinfo(c, flags); });
}

using FieldValues = std::vector<std::pair<std::string, unsigned long long>>;

Napi::Value FieldValuesToJs(Napi::Env env, FieldValues& values) {
  Napi::Object o = Napi::Object::New(env);
  for (const auto& [field, value] : values) o.Set(field, static_cast<double>(value));
  return o;
}

// virNodeGetCPUStats / virNodeGetMemoryStats share a shape: ask for the count with a NULL array, then fill.
template <typename Stat, typename Fn>
FieldValues GetFieldStats(virConnectPtr c, int which, unsigned int flags, Fn fn, const char* function) {
  int n = 0;
  if (fn(c, which, nullptr, &n, flags) < 0) ThrowLastError(function);
  std::vector<Stat> stats(static_cast<size_t>(n));
  if (n > 0 && fn(c, which, stats.data(), &n, flags) < 0) ThrowLastError(function);
  FieldValues out;
  for (int i = 0; i < n; i++) out.emplace_back(stats[i].field, stats[i].value);
  return out;
}

// getNodeCPUStats(cpuNum = VIR_NODE_CPU_STATS_ALL_CPUS, flags?) -> { user, system, idle, iowait, ... } (ns)
Napi::Value GetNodeCPUStats(const Napi::CallbackInfo& info) {
  ConnectRef c = ThisConnection(info);
  int cpu = domhost::Present(info, 0) ? static_cast<int>(RequireInteger(info, 0, "cpuNum", -1, 2147483647.0))
                                      : VIR_NODE_CPU_STATS_ALL_CPUS;
  unsigned int flags = OptionalUint(info, 1, "flags");
  return AsyncCall<FieldValues>::Run(
      info.Env(), "virNodeGetCPUStats",
      [c, cpu, flags] { return GetFieldStats<virNodeCPUStats>(c.get(), cpu, flags, virNodeGetCPUStats, "virNodeGetCPUStats"); },
      FieldValuesToJs);
}

// getNodeMemoryStats(cellNum = VIR_NODE_MEMORY_STATS_ALL_CELLS, flags?) -> { total, free, buffers, cached } (KiB)
Napi::Value GetNodeMemoryStats(const Napi::CallbackInfo& info) {
  ConnectRef c = ThisConnection(info);
  int cell = domhost::Present(info, 0) ? static_cast<int>(RequireInteger(info, 0, "cellNum", -1, 2147483647.0))
                                       : VIR_NODE_MEMORY_STATS_ALL_CELLS;
  unsigned int flags = OptionalUint(info, 1, "flags");
  return AsyncCall<FieldValues>::Run(
      info.Env(), "virNodeGetMemoryStats",
      [c, cell, flags] {
        return GetFieldStats<virNodeMemoryStats>(c.get(), cell, flags, virNodeGetMemoryStats, "virNodeGetMemoryStats");
      },
      FieldValuesToJs);
}

// getFreeMemory() -> bytes. libvirt returns 0 on error, which a host cannot really have free.
Napi::Value GetFreeMemory(const Napi::CallbackInfo& info) {
  ConnectRef c = ThisConnection(info);
  return AsyncCall<unsigned long long>::Run(
      info.Env(), "virNodeGetFreeMemory",
      [c] {
        unsigned long long bytes = virNodeGetFreeMemory(c.get());
        if (bytes == 0) ThrowLastError("virNodeGetFreeMemory");
        return bytes;
      },
      [](Napi::Env env, unsigned long long& bytes) -> Napi::Value { return Napi::Number::New(env, static_cast<double>(bytes)); });
}

// getCellsFreeMemory(startCell, maxCells) -> bytes per NUMA cell
Napi::Value GetCellsFreeMemory(const Napi::CallbackInfo& info) {
  ConnectRef c = ThisConnection(info);
  int start = static_cast<int>(RequireInteger(info, 0, "startCell", 0, 2147483647.0));
  int max = static_cast<int>(RequireInteger(info, 1, "maxCells", 1, 65536));
  return AsyncCall<std::vector<unsigned long long>>::Run(
      info.Env(), "virNodeGetCellsFreeMemory",
      [c, start, max] {
        std::vector<unsigned long long> cells(static_cast<size_t>(max));
        int n = virNodeGetCellsFreeMemory(c.get(), cells.data(), start, max);
        if (n < 0) ThrowLastError("virNodeGetCellsFreeMemory");
        cells.resize(static_cast<size_t>(n));
        return cells;
      },
      [](Napi::Env env, std::vector<unsigned long long>& cells) -> Napi::Value {
        Napi::Array a = Napi::Array::New(env, cells.size());
        for (size_t i = 0; i < cells.size(); i++) a.Set(static_cast<uint32_t>(i), static_cast<double>(cells[i]));
        return a;
      });
}

// CPU comparisons return a virCPUCompareResult; VIR_CPU_COMPARE_ERROR (-1) is the failure.
template <typename Fn>
Napi::Value CompareCall(const Napi::CallbackInfo& info, const char* function, Fn fn) {
  ConnectRef c = ThisConnection(info);
  return AsyncCall<int>::Run(
      info.Env(), function,
      [c, fn, function] {
        int r = fn(c.get());
        if (r == VIR_CPU_COMPARE_ERROR) ThrowLastError(function);
        return r;
      },
      domhost::IntToNumber);
}

// compareCPU(xml, flags?)
Napi::Value CompareCPU(const Napi::CallbackInfo& info) {
  std::string xml = RequireString(info, 0, "xml");
  unsigned int flags = OptionalUint(info, 1, "flags");
  return CompareCall(info, "virConnectCompareCPU",
                     [xml, flags](virConnectPtr c) { return virConnectCompareCPU(c, xml.c_str(), flags); });
}

// compareHypervisorCPU(emulatorbin?, arch?, machine?, virttype?, xml, flags?)
Napi::Value CompareHypervisorCPU(const Napi::CallbackInfo& info) {
  HypervisorTarget t = ReadTarget(info, 0);
  std::string xml = RequireString(info, 4, "xml");
  unsigned int flags = OptionalUint(info, 5, "flags");
  return CompareCall(info, "virConnectCompareHypervisorCPU", [t, xml, flags](virConnectPtr c) {
    return virConnectCompareHypervisorCPU(c, CStr(t.emulator), CStr(t.arch), CStr(t.machine), CStr(t.virttype),
                                          xml.c_str(), flags);
  });
}

// baselineCPU(xmlCPUs, flags?)
Napi::Value BaselineCPU(const Napi::CallbackInfo& info) {
  std::vector<std::string> xmls = RequireStringArray(info, 0, "xmlCPUs");
  unsigned int flags = OptionalUint(info, 1, "flags");
  return StringCall(info, "virConnectBaselineCPU", [xmls, flags](virConnectPtr c) {
    std::vector<const char*> views = CStrs(xmls);
    return virConnectBaselineCPU(c, views.data(), static_cast<unsigned int>(views.size()), flags);
  });
}

// baselineHypervisorCPU(emulatorbin?, arch?, machine?, virttype?, xmlCPUs, flags?)
Napi::Value BaselineHypervisorCPU(const Napi::CallbackInfo& info) {
  HypervisorTarget t = ReadTarget(info, 0);
  std::vector<std::string> xmls = RequireStringArray(info, 4, "xmlCPUs");
  unsigned int flags = OptionalUint(info, 5, "flags");
  return StringCall(info, "virConnectBaselineHypervisorCPU", [t, xmls, flags](virConnectPtr c) {
    std::vector<const char*> views = CStrs(xmls);
    return virConnectBaselineHypervisorCPU(c, CStr(t.emulator), CStr(t.arch), CStr(t.machine), CStr(t.virttype),
                                           views.data(), static_cast<unsigned int>(views.size()), flags);
  });
}

// getMaxVcpus(type?) -> the hypervisor's vCPU limit for a guest
Napi::Value GetMaxVcpus(const Napi::CallbackInfo& info) {
  ConnectRef c = ThisConnection(info);
  std::optional<std::string> type = OptionalString(info, 0, "type");
  return AsyncCall<int>::Run(
      info.Env(), "virConnectGetMaxVcpus",
      [c, type] {
        int n = virConnectGetMaxVcpus(c.get(), CStr(type));
        if (n < 0) ThrowLastError("virConnectGetMaxVcpus");
        return n;
      },
      domhost::IntToNumber);
}

void InitNode(Napi::Env env, Napi::Object) {
  const Napi::FunctionReference& cls = AddonData::Get(env)->connectionClass;
  AddMethod(env, cls, "getDomainCapabilities", GetDomainCapabilities);
  AddMethod(env, cls, "getSysinfo", GetSysinfo);
  AddMethod(env, cls, "getNodeCPUStats", GetNodeCPUStats);
  AddMethod(env, cls, "getNodeMemoryStats", GetNodeMemoryStats);
  AddMethod(env, cls, "getFreeMemory", GetFreeMemory);
  AddMethod(env, cls, "getCellsFreeMemory", GetCellsFreeMemory);
  AddMethod(env, cls, "compareCPU", CompareCPU);
  AddMethod(env, cls, "compareHypervisorCPU", CompareHypervisorCPU);
  AddMethod(env, cls, "baselineCPU", BaselineCPU);
  AddMethod(env, cls, "baselineHypervisorCPU", BaselineHypervisorCPU);
  AddMethod(env, cls, "getMaxVcpus", GetMaxVcpus);
}

}  // namespace

TANDEM_BINDING_MODULE(node, InitNode);

}  // namespace tandem
