// The common shape of the JS wrappers added by binding modules (Network, StoragePool, StorageVol, Secret):
// each owns one libvirt reference (a VirRef), is only created by the binding (from an External holding a
// reference it hands over), frees its reference with free() or in its finalizer, and refuses use after free.
//
// Derived classes provide:
//   static constexpr const char* kClassName;   // the JS class name, also its key in AddonData::classes
//   static constexpr int kInvalidCode;         // virErrorNumber for "invalid object" (e.g. VIR_ERR_INVALID_NETWORK)
//   static constexpr int kErrorDomain;         // virErrorDomain (e.g. VIR_FROM_NETWORK)
#pragma once
#include <napi.h>

#include <libvirt/virterror.h>

#include <string>
#include <type_traits>
#include <utility>

#include "addon_data.h"
#include "background_release.h"
#include "errors.h"

namespace tandem {

template <typename Derived, typename Ref>
class WrappedObject : public Napi::ObjectWrap<Derived> {
 public:
  using RefType = Ref;
  using Ptr = decltype(std::declval<const Ref&>().get());
  using Raw = std::remove_pointer_t<Ptr>;

  explicit WrappedObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Derived>(info) {
    // JS code gets these objects from a Connection (lookups, listings, define/create), never with `new`.
    if (info.Length() != 1 || !info[0].IsExternal()) {
      throw Napi::TypeError::New(info.Env(), std::string(Derived::kClassName) + " objects come from a Connection");
    }
    ref_ = Ref::Adopt(info[0].As<Napi::External<Raw>>().Data());
  }

  // The finalizer runs on the JS thread: the reference is dropped on the release thread.
  ~WrappedObject() override { ReleaseInBackground(std::move(ref_)); }

  // Keeps the class constructor so Wrap/FromValue can find it (per environment).
  static void Register(Napi::Env env, Napi::Function cls) {
    AddonData::Get(env)->classes[Derived::kClassName] = Napi::Persistent(cls);
  }

  // Wraps a reference the caller owns; the new JS object takes it over.
  static Napi::Object Wrap(Napi::Env env, Ref ref) {
    auto external = Napi::External<Raw>::New(env, ref.Release());
    return Class(env).New({external});
  }

  // A new reference to the object wrapped by `value`, or a TypeError naming `what`.
  static Ref FromValue(Napi::Env env, Napi::Value value, const char* what) {
    if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(Class(env).Value())) {
      throw Napi::TypeError::New(env, std::string(what) + " must be a " + Derived::kClassName);
    }
    return Derived::Unwrap(value.As<Napi::Object>())->Shared(env);
  }

 protected:
  // A new reference for a call (workers keep the object alive), or a LibvirtError after free().
  Ref Shared(Napi::Env env) const {
    if (!ref_) {
      throw MakeLibvirtError(env,
                             VirErrorInfo{Derived::kInvalidCode, Derived::kErrorDomain, VIR_ERR_ERROR,
                                          std::string("this ") + Derived::kClassName + " object was freed"},
                             Derived::kClassName);
    }
    return ref_;
  }

  // The raw pointer for local (non-RPC) reads on the JS thread; throws like Shared() after free().
  Ptr Local(Napi::Env env) const { return Shared(env).get(); }

  // free(): drops our reference now rather than at garbage collection.
  Napi::Value Free(const Napi::CallbackInfo& info) {
    ReleaseInBackground(std::move(ref_));
    return info.Env().Undefined();
  }

 private:
  static Napi::FunctionReference& Class(Napi::Env env) { return AddonData::Get(env)->classes.at(Derived::kClassName); }

  Ref ref_;
};

}  // namespace tandem
