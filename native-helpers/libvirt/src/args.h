// Argument checks for binding methods: a wrong argument is a TypeError naming the method and argument,
// raised on the JS thread before any work is queued.
#pragma once
#include <napi.h>

#include <string>

namespace tandem {

inline std::string RequireString(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (info.Length() <= index || !info[index].IsString()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a string");
  }
  return info[index].As<Napi::String>().Utf8Value();
}

// Flags and other unsigned ints default to 0 when omitted or undefined.
inline unsigned int OptionalUint(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (info.Length() <= index || info[index].IsUndefined()) return 0;
  if (!info[index].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a number");
  double value = info[index].As<Napi::Number>().DoubleValue();
  if (value < 0 || value > 4294967295.0 || value != static_cast<double>(static_cast<unsigned int>(value))) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be an unsigned 32-bit integer");
  }
  return static_cast<unsigned int>(value);
}

inline int RequireInt(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (info.Length() <= index || !info[index].IsNumber()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a number");
  }
  return info[index].As<Napi::Number>().Int32Value();
}

inline Napi::Function RequireFunction(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (info.Length() <= index || !info[index].IsFunction()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a function");
  }
  return info[index].As<Napi::Function>();
}

// Copies a string libvirt allocated for us, then frees it.
inline std::string TakeString(char* owned) {
  std::string copy(owned != nullptr ? owned : "");
  free(owned);
  return copy;
}

}  // namespace tandem
