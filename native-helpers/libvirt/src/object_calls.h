// Building blocks for binding methods of objects other than Connection/Domain: each runs one libvirt call
// through AsyncCall (off the JS thread) with a reference the worker owns, and converts the usual result
// shapes (0/-1 status, 0/1/-1 boolean, owned string, object pointer, allocated list).
#pragma once
#include <napi.h>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "args.h"
#include "async_call.h"
#include "errors.h"

namespace tandem {

// fn(ptr) returns 0 on success, -1 on error.
template <typename Ref, typename Fn>
Napi::Value RunStatusCall(Napi::Env env, const char* function, Ref ref, Fn fn) {
  return StatusCall(env, function, [ref, fn] { return fn(ref.get()); });
}

// fn(ptr) returns 1 (true), 0 (false) or -1 (error): virXxxIsActive, virXxxIsPersistent.
template <typename Ref, typename Fn>
Napi::Value RunBoolCall(Napi::Env env, const char* function, Ref ref, Fn fn) {
  return BoolCall(env, function, [ref, fn] { return fn(ref.get()); });
}

// fn(ptr) returns a string libvirt allocated for us (freed here), or nullptr on error.
template <typename Ref, typename Fn>
Napi::Value RunStringCall(Napi::Env env, const char* function, Ref ref, Fn fn) {
  return OwnedStringCall(env, function, [ref, fn] { return fn(ref.get()); });
}

// fn(ptr, &autostart) returns 0/-1: virXxxGetAutostart.
template <typename Ref, typename Fn>
Napi::Value RunGetAutostart(Napi::Env env, const char* function, Ref ref, Fn fn) {
  return AsyncCall<bool>::Run(
      env, function,
      [ref, fn, function] {
        int autostart = 0;
        if (fn(ref.get(), &autostart) < 0) ThrowLastError(function);
        return autostart != 0;
      },
      [](Napi::Env e, bool& v) -> Napi::Value { return Napi::Boolean::New(e, v); });
}

// fn() returns a new object reference (lookup, define, create) or nullptr; resolves to its Wrapper.
template <typename Wrapper, typename Fn>
Napi::Value RunObjectCall(Napi::Env env, const char* function, Fn fn) {
  using Ref = typename Wrapper::RefType;
  return AsyncCall<Ref>::Run(
      env, function,
      [fn, function] {
        auto ptr = fn();
        if (ptr == nullptr) ThrowLastError(function);
        return Ref::Adopt(ptr);
      },
      [](Napi::Env e, Ref& ref) -> Napi::Value { return Wrapper::Wrap(e, std::move(ref)); });
}

// fn(&list) returns the length of a list libvirt allocated (virConnectListAll*); every element is adopted
// (one reference each) and the array itself freed, so nothing leaks whatever JS does with the result.
template <typename Wrapper, typename Fn>
Napi::Value RunListCall(Napi::Env env, const char* function, Fn fn) {
  using Ref = typename Wrapper::RefType;
  using Ptr = typename Wrapper::Ptr;
  return AsyncCall<std::vector<Ref>>::Run(
      env, function,
      [fn, function] {
        Ptr* list = nullptr;
        int n = fn(&list);
        if (n < 0) ThrowLastError(function);
        std::vector<Ref> out;
        out.reserve(static_cast<size_t>(n));
        for (int i = 0; i < n; i++) out.push_back(Ref::Adopt(list[i]));
        free(list);
        return out;
      },
      [](Napi::Env e, std::vector<Ref>& refs) -> Napi::Value {
        Napi::Array array = Napi::Array::New(e, refs.size());
        for (size_t i = 0; i < refs.size(); i++) array.Set(static_cast<uint32_t>(i), Wrapper::Wrap(e, std::move(refs[i])));
        return array;
      });
}

// An optional object argument (null/undefined means "none", e.g. "events of every network").
template <typename Wrapper>
typename Wrapper::RefType OptionalObject(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (info.Length() <= index || info[index].IsNull() || info[index].IsUndefined()) return {};
  return Wrapper::FromValue(info.Env(), info[index], what);
}

// A required unsigned 32-bit argument (an enum value such as a command or section).
inline unsigned int RequireUint(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (info.Length() <= index || !info[index].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a number");
  }
  return OptionalUint(info, index, what);
}

// A byte count or other unsigned 64-bit quantity given as a JS number (exact up to 2^53, plenty for disks).
inline unsigned long long RequireUint64(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (info.Length() <= index || !info[index].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a number");
  }
  double value = info[index].As<Napi::Number>().DoubleValue();
  if (!(value >= 0) || value > 9007199254740991.0 || value != static_cast<double>(static_cast<unsigned long long>(value))) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a non-negative safe integer");
  }
  return static_cast<unsigned long long>(value);
}

}  // namespace tandem
