// Domain channels that are not streams: a file descriptor to the domain's graphics server
// (virDomainOpenGraphicsFD), a command to the QEMU guest agent (virDomainQemuAgentCommand) and a command to
// QEMU's own monitor, optionally passing file descriptors (virDomainQemuMonitorCommand /
// virDomainQemuMonitorCommandWithFiles); the last three are libvirt-qemu. All are RPCs, run on workers.
#include <libvirt/libvirt-qemu.h>
#include <libvirt/libvirt.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "addon_data.h"
#include "args.h"
#include "async_call.h"
#include "domhost_helpers.h"
#include "module_registry.h"

namespace tandem {

namespace {

// domain.openGraphicsFD(idx, flags?: virDomainOpenGraphicsFlags) -> Promise<fd>
// The daemon passes the descriptor over its socket (SCM_RIGHTS), so this works on unix-socket connections
// only; over TCP libvirt refuses. The caller owns the descriptor and must close it.
Napi::Value OpenGraphicsFD(const Napi::CallbackInfo& info) {
  unsigned int idx = domhost::RequireUint(info, 0, "idx");
  unsigned int flags = OptionalUint(info, 1, "flags");
  return domhost::DomainIntCall(
      info, "virDomainOpenGraphicsFD", [idx, flags](virDomainPtr d) { return virDomainOpenGraphicsFD(d, idx, flags); },
      domhost::IntToNumber);
}

// domain.qemuAgentCommand(cmd: JSON string, timeout: seconds or virDomainQemuAgentCommandTimeoutValues
// (-2 block, -1 default, 0 no wait), flags?) -> Promise<the agent's JSON reply>
Napi::Value QemuAgentCommand(const Napi::CallbackInfo& info) {
  std::string cmd = RequireString(info, 0, "cmd");
  int timeout = static_cast<int>(domhost::RequireInteger(info, 1, "timeout", -2, INT_MAX));
  unsigned int flags = OptionalUint(info, 2, "flags");
  DomainRef d = domhost::ThisDomain(info);
  return OwnedStringCall(info.Env(), "virDomainQemuAgentCommand", [d, cmd, timeout, flags] {
    return virDomainQemuAgentCommand(d.get(), cmd.c_str(), timeout, flags);
  });
}

// domain.qemuMonitorCommand(cmd: QMP JSON (or HMP text with the HMP flag), flags?: virDomainQemuMonitorCommandFlags)
// -> Promise<QEMU's reply>. libvirt taints the domain ("custom-monitor") and runs it under a query job.
Napi::Value QemuMonitorCommand(const Napi::CallbackInfo& info) {
  std::string cmd = RequireString(info, 0, "cmd");
  unsigned int flags = OptionalUint(info, 1, "flags");
  DomainRef d = domhost::ThisDomain(info);
  return AsyncCall<std::string>::Run(
      info.Env(), "virDomainQemuMonitorCommand",
      [d, cmd, flags] {
        char* result = nullptr;
        if (virDomainQemuMonitorCommand(d.get(), cmd.c_str(), &result, flags) < 0) ThrowLastError("virDomainQemuMonitorCommand");
        return TakeString(result);
      },
      [](Napi::Env env, std::string& reply) -> Napi::Value { return Napi::String::New(env, reply); });
}

// The reply of a monitor command with files. Descriptors QEMU sent back are owned here until handed to JS,
// so a reply nobody receives (environment teardown) does not leak them.
struct MonitorReplyWithFiles {
  std::string result;
  std::vector<int> fds;

  MonitorReplyWithFiles() = default;
  MonitorReplyWithFiles(const MonitorReplyWithFiles&) = delete;
  MonitorReplyWithFiles& operator=(const MonitorReplyWithFiles&) = delete;
  MonitorReplyWithFiles(MonitorReplyWithFiles&& other) noexcept : result(std::move(other.result)), fds(std::move(other.fds)) { other.fds.clear(); }
  MonitorReplyWithFiles& operator=(MonitorReplyWithFiles&&) = delete;
  ~MonitorReplyWithFiles() {
    for (int fd : fds) close(fd);
  }
};

// domain.qemuMonitorCommandWithFiles(cmd, fds: number[], flags?) -> Promise<{ result, fds }>
// The daemon receives duplicates of `fds` over its socket (SCM_RIGHTS), so this works on unix-socket
// connections only; the caller keeps its own descriptors (open until the promise settles) and closes them.
// QMP's getfd / add-fd take the descriptor this way. `fds` of the reply are new descriptors the caller owns.
Napi::Value QemuMonitorCommandWithFiles(const Napi::CallbackInfo& info) {
  std::string cmd = RequireString(info, 0, "cmd");
  if (info.Length() <= 1 || !info[1].IsArray()) throw Napi::TypeError::New(info.Env(), "fds must be an array of file descriptors");
  Napi::Array list = info[1].As<Napi::Array>();
  std::vector<int> infiles;
  for (uint32_t i = 0; i < list.Length(); i++) {
    Napi::Value v = list.Get(i);
    double fd = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
    if (!(fd >= 0 && fd <= INT_MAX && static_cast<double>(static_cast<int>(fd)) == fd)) {
      throw Napi::TypeError::New(info.Env(), "fds must be an array of file descriptors (non-negative integers)");
    }
    infiles.push_back(static_cast<int>(fd));
  }
  unsigned int flags = OptionalUint(info, 2, "flags");
  DomainRef d = domhost::ThisDomain(info);
  return AsyncCall<MonitorReplyWithFiles>::Run(
      info.Env(), "virDomainQemuMonitorCommandWithFiles",
      [d, cmd, infiles, flags]() mutable {
        char* result = nullptr;
        unsigned int noutfiles = 0;
        int* outfiles = nullptr;
        int rc = virDomainQemuMonitorCommandWithFiles(d.get(), cmd.c_str(), static_cast<unsigned int>(infiles.size()),
                                                      infiles.empty() ? nullptr : infiles.data(), &noutfiles, &outfiles, &result, flags);
        MonitorReplyWithFiles reply;
        if (outfiles != nullptr) {
          reply.fds.assign(outfiles, outfiles + noutfiles);
          free(outfiles);
        }
        if (rc < 0) ThrowLastError("virDomainQemuMonitorCommandWithFiles");  // reply's destructor closes any fds
        reply.result = TakeString(result);
        return reply;
      },
      [](Napi::Env env, MonitorReplyWithFiles& reply) -> Napi::Value {
        Napi::Object out = Napi::Object::New(env);
        out.Set("result", Napi::String::New(env, reply.result));
        Napi::Array fds = Napi::Array::New(env, reply.fds.size());
        for (size_t i = 0; i < reply.fds.size(); i++) fds.Set(static_cast<uint32_t>(i), Napi::Number::New(env, reply.fds[i]));
        out.Set("fds", fds);
        reply.fds.clear();  // JS owns them now
        return out;
      });
}

void InitDomainChannels(Napi::Env env, Napi::Object) {
  const Napi::FunctionReference& dom = AddonData::Get(env)->domainClass;
  AddMethod(env, dom, "openGraphicsFD", OpenGraphicsFD);
  AddMethod(env, dom, "qemuAgentCommand", QemuAgentCommand);
  AddMethod(env, dom, "qemuMonitorCommand", QemuMonitorCommand);
  AddMethod(env, dom, "qemuMonitorCommandWithFiles", QemuMonitorCommandWithFiles);
}

}  // namespace

TANDEM_BINDING_MODULE(domain_channels, InitDomainChannels);

}  // namespace tandem
