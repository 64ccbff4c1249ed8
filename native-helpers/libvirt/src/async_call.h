// Runs one blocking libvirt call on libuv's thread pool and settles a promise on the JS thread.
//
// Every binding method that can touch a daemon or the network goes through AsyncCall::Run: `work` runs off
// the JS thread and may throw VirFailure; `convert` turns its result into JS values on the JS thread.
// Keeping this in one place is what guarantees the binding never blocks Node's event loop.
#pragma once
#include <napi.h>

#include <functional>
#include <optional>
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

}  // namespace tandem
