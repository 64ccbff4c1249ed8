// Turning libvirt's thread-local error into data a worker can carry back to the JS thread, and into a
// LibvirtError there.
#pragma once
#include <napi.h>
#include <exception>
#include <string>

namespace tandem {

// libvirt's virError, copied (virGetLastError() is per thread and overwritten by the next call).
struct VirErrorInfo {
  int code = 0;
  int domain = 0;
  int level = 0;
  std::string message;
};

// Thrown inside worker code when a libvirt call fails; carries the error captured on that thread.
class VirFailure : public std::exception {
 public:
  explicit VirFailure(VirErrorInfo info) : info_(std::move(info)) {}
  const VirErrorInfo& info() const { return info_; }
  const char* what() const noexcept override { return info_.message.c_str(); }

 private:
  VirErrorInfo info_;
};

// Reads and resets libvirt's last error on the calling thread. `function` names the failed call for the
// rare case where libvirt reported failure without setting an error.
VirErrorInfo CaptureLastError(const char* function);

// Throws VirFailure with the calling thread's last libvirt error.
[[noreturn]] void ThrowLastError(const char* function);

// Builds the JS LibvirtError (the class registered by lib/index.ts), or a plain Error with the same
// properties before that class is registered.
Napi::Error MakeLibvirtError(Napi::Env env, const VirErrorInfo& info, const char* function);

// Stops libvirt's default error handler from printing every error on stderr: errors are data for us.
void SilenceDefaultErrorHandler();

}  // namespace tandem
