// Argument checks and call shapes shared by the bulk-stats, host/node and domain-ops modules
// (domain_stats.cc, node.cc, domain_ops.cc). Kept in their own namespace so that helpers other modules
// add to the binding can never collide with these at link time.
#pragma once
#include <napi.h>

#include <libvirt/libvirt.h>

#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "async_call.h"
#include "domain.h"
#include "errors.h"

namespace tandem::domhost {

inline bool Present(const Napi::CallbackInfo& info, size_t index) {
  return info.Length() > index && !info[index].IsUndefined() && !info[index].IsNull();
}

inline double RequireInteger(const Napi::CallbackInfo& info, size_t index, const char* what, double min, double max) {
  if (info.Length() <= index || !info[index].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a number");
  }
  double v = info[index].As<Napi::Number>().DoubleValue();
  if (!std::isfinite(v) || std::trunc(v) != v || v < min || v > max) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be an integer in [" +
                                               std::to_string(static_cast<long long>(min)) + ", " +
                                               std::to_string(static_cast<unsigned long long>(max)) + "]");
  }
  return v;
}

inline unsigned int RequireUint(const Napi::CallbackInfo& info, size_t index, const char* what) {
  return static_cast<unsigned int>(RequireInteger(info, index, what, 0, 4294967295.0));
}

// Sizes (KiB, bytes): any non-negative safe integer.
inline unsigned long long RequireUint64(const Napi::CallbackInfo& info, size_t index, const char* what) {
  return static_cast<unsigned long long>(RequireInteger(info, index, what, 0, 9007199254740991.0));
}

// A string argument libvirt accepts as NULL ("pick the default"): undefined or null gives nullopt.
inline std::optional<std::string> OptionalString(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (!Present(info, index)) return std::nullopt;
  if (!info[index].IsString()) throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a string");
  return info[index].As<Napi::String>().Utf8Value();
}

inline const char* CStr(const std::optional<std::string>& s) { return s ? s->c_str() : nullptr; }

inline std::vector<std::string> RequireStringArray(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (info.Length() <= index || !info[index].IsArray()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be an array of strings");
  }
  Napi::Array array = info[index].As<Napi::Array>();
  std::vector<std::string> out;
  for (uint32_t i = 0; i < array.Length(); i++) {
    Napi::Value v = array.Get(i);
    if (!v.IsString()) throw Napi::TypeError::New(info.Env(), std::string(what) + " must be an array of strings");
    out.push_back(v.As<Napi::String>().Utf8Value());
  }
  return out;
}

// libvirt wants `const char**` views of string lists.
inline std::vector<const char*> CStrs(const std::vector<std::string>& strings) {
  std::vector<const char*> out;
  for (const auto& s : strings) out.push_back(s.c_str());
  return out;
}

// `this` of a method added to Domain.prototype.
inline DomainRef ThisDomain(const Napi::CallbackInfo& info) { return Domain::FromValue(info.Env(), info.This(), "this"); }

// A domain call returning 0 on success and -1 on failure.
template <typename Fn>
Napi::Value DomainVoidCall(const Napi::CallbackInfo& info, const char* function, Fn fn) {
  DomainRef d = ThisDomain(info);
  return AsyncCall<Unit>::Run(
      info.Env(), function,
      [d, fn, function] {
        if (fn(d.get()) < 0) ThrowLastError(function);
        return Unit{};
      },
      ToUndefined);
}

// A domain call returning a non-negative int on success (a count, 0/1) and -1 on failure.
template <typename Fn, typename Convert>
Napi::Value DomainIntCall(const Napi::CallbackInfo& info, const char* function, Fn fn, Convert convert) {
  DomainRef d = ThisDomain(info);
  return AsyncCall<int>::Run(
      info.Env(), function,
      [d, fn, function] {
        int r = fn(d.get());
        if (r < 0) ThrowLastError(function);
        return r;
      },
      convert);
}

inline Napi::Value IntToNumber(Napi::Env env, int& v) { return Napi::Number::New(env, v); }
inline Napi::Value IntToBool(Napi::Env env, int& v) { return Napi::Boolean::New(env, v == 1); }
inline Napi::Value StringToJs(Napi::Env env, std::string& s) { return Napi::String::New(env, s); }

}  // namespace tandem::domhost
