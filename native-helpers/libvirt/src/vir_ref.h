// RAII ownership of libvirt's reference-counted objects. Each copy holds one libvirt reference, so a
// worker that captured a copy keeps the object valid even if JS drops its wrapper meanwhile.
#pragma once
#include <libvirt/libvirt.h>

#include <utility>

namespace tandem {

template <typename Ptr, int (*RefFn)(Ptr), int (*UnrefFn)(Ptr)>
class VirRef {
 public:
  VirRef() = default;
  // Takes over a reference the caller already owns (e.g. returned by a lookup).
  static VirRef Adopt(Ptr ptr) { return VirRef(ptr); }
  // Adds a reference to a pointer owned elsewhere.
  static VirRef Share(Ptr ptr) {
    if (ptr != nullptr) RefFn(ptr);
    return VirRef(ptr);
  }
  VirRef(const VirRef& other) : ptr_(other.ptr_) {
    if (ptr_ != nullptr) RefFn(ptr_);
  }
  VirRef(VirRef&& other) noexcept : ptr_(std::exchange(other.ptr_, nullptr)) {}
  VirRef& operator=(VirRef other) noexcept {
    std::swap(ptr_, other.ptr_);
    return *this;
  }
  ~VirRef() { Reset(); }

  void Reset() {
    if (ptr_ != nullptr) UnrefFn(std::exchange(ptr_, nullptr));
  }
  // Gives the reference away (to a JS wrapper, which frees it in its finalizer).
  Ptr Release() { return std::exchange(ptr_, nullptr); }
  Ptr get() const { return ptr_; }
  explicit operator bool() const { return ptr_ != nullptr; }

 private:
  explicit VirRef(Ptr ptr) : ptr_(ptr) {}
  Ptr ptr_ = nullptr;
};

// virConnectClose drops one reference; the connection closes when the last one goes.
using ConnectRef = VirRef<virConnectPtr, virConnectRef, virConnectClose>;
using DomainRef = VirRef<virDomainPtr, virDomainRef, virDomainFree>;

}  // namespace tandem
