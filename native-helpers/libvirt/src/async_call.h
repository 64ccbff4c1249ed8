// Runs one blocking libvirt call on libuv's thread pool and settles a promise on the JS thread.
//
// Every binding method that can touch a daemon or the network goes through AsyncCall::Run: `work` runs off
// the JS thread and may throw VirFailure; `convert` turns its result into JS values on the JS thread.
// Keeping this in one place is what guarantees the binding never blocks Node's event loop.
#pragma once
#include <napi.h>

#include <functional>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

#include <libvirt/virterror.h>

#include "errors.h"

namespace tandem {

// The result type of work that returns nothing.
struct Unit {};

template <typename T>
class AsyncCall final : public Napi::AsyncWorker {
 public:
  using Work = std::function<T()>;
  using Convert = std::function<Napi::Value(Napi::Env, T&)>;

  static Napi::Promise Run(Napi::Env env, const char* function, Work work, Convert convert) {
    auto* call = new AsyncCall(env, function, std::move(work), std::move(convert));
    Napi::Promise promise = call->deferred_.Promise();
    call->Queue();  // the worker deletes itself after OnOK/OnError
    return promise;
  }

 private:
  AsyncCall(Napi::Env env, const char* function, Work work, Convert convert)
      : Napi::AsyncWorker(env, function),
        deferred_(Napi::Promise::Deferred::New(env)),
        function_(function),
        work_(std::move(work)),
        convert_(std::move(convert)) {}

  void Execute() override {
    try {
      value_.emplace(work_());
    } catch (const VirFailure& failure) {
      failure_ = failure.info();
    } catch (const std::exception& e) {
      failure_ = VirErrorInfo{VIR_ERR_INTERNAL_ERROR, 0, VIR_ERR_ERROR, std::string(function_) + ": " + e.what()};
    }
    // The references the work captured are dropped here, on the pool thread: if one is the last reference
    // to a connection (closed meanwhile), its close RPC must not run on the JS thread when the worker is
    // deleted there.
    work_ = nullptr;
  }

  // Runs on the JS thread once Execute is done. At environment teardown (a worker thread terminated, Electron
  // closing a context) a call still in flight completes while JS can no longer run: settling its promise
  // fails, and node-addon-api turns that into a C++ exception which, escaping this libuv callback, aborts the
  // whole process (std::terminate). Nobody is left to receive the result then, so it is dropped.
  void OnWorkComplete(Napi::Env env, napi_status status) override {
    if (status != napi_cancelled) {
      try {
        Napi::HandleScope scope(env);
        OnOK();
      } catch (const Napi::Error& e) {
        try {
          e.ThrowAsJavaScriptException();  // JS still runs: report it as an uncaught exception, as before
        } catch (const Napi::Error&) {
          // JS can no longer run (teardown): there is no one to report to.
        }
      }
    }
    Destroy();
  }

  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (failure_) {
      deferred_.Reject(MakeLibvirtError(env, *failure_, function_).Value());
      return;
    }
    try {
      deferred_.Resolve(convert_(env, *value_));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

  Napi::Promise::Deferred deferred_;
  const char* function_;
  Work work_;
  Convert convert_;
  std::optional<T> value_;
  std::optional<VirErrorInfo> failure_;
};

inline Napi::Value ToUndefined(Napi::Env env, Unit&) { return env.Undefined(); }

// The two most common shapes of libvirt call, so each binding method states only the call itself:

// A call returning a string libvirt allocated (freed here), or nullptr on failure.
template <typename Fn>
Napi::Promise OwnedStringCall(Napi::Env env, const char* function, Fn fn) {
  return AsyncCall<std::string>::Run(
      env, function,
      [fn, function] {
        char* s = fn();
        if (s == nullptr) ThrowLastError(function);
        std::string copy(s);
        free(s);
        return copy;
      },
      [](Napi::Env e, std::string& s) -> Napi::Value { return Napi::String::New(e, s); });
}

// A call returning 1 (true), 0 (false) or -1 (failure): virXxxIsActive, virXxxHasMetadata, ...
template <typename Fn>
Napi::Promise BoolCall(Napi::Env env, const char* function, Fn fn) {
  return AsyncCall<bool>::Run(
      env, function,
      [fn, function] {
        int r = fn();
        if (r < 0) ThrowLastError(function);
        return r == 1;
      },
      [](Napi::Env e, bool& v) -> Napi::Value { return Napi::Boolean::New(e, v); });
}

// A call returning 0 on success and -1 on failure; resolves to undefined.
template <typename Fn>
Napi::Promise StatusCall(Napi::Env env, const char* function, Fn fn) {
  return AsyncCall<Unit>::Run(
      env, function,
      [fn, function] {
        if (fn() < 0) ThrowLastError(function);
        return Unit{};
      },
      ToUndefined);
}

}  // namespace tandem
