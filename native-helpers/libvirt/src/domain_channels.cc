// Domain channels that are not streams: a file descriptor to the domain's graphics server
// (virDomainOpenGraphicsFD) and a command to the QEMU guest agent (virDomainQemuAgentCommand, from
// libvirt-qemu). Both are RPCs, run on workers.
#include <libvirt/libvirt-qemu.h>
#include <libvirt/libvirt.h>

#include <climits>
#include <string>

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

void InitDomainChannels(Napi::Env env, Napi::Object) {
  const Napi::FunctionReference& dom = AddonData::Get(env)->domainClass;
  AddMethod(env, dom, "openGraphicsFD", OpenGraphicsFD);
  AddMethod(env, dom, "qemuAgentCommand", QemuAgentCommand);
}

}  // namespace

TANDEM_BINDING_MODULE(domain_channels, InitDomainChannels);

}  // namespace tandem
