// virDomainSetBlockThreshold, added to Domain.prototype: arms the one-shot block-threshold event
// (domain_events_extra.cc) that thin-provisioning managers use to grow storage before a guest fills it.
#include <libvirt/libvirt.h>

#include <string>

#include "addon_data.h"
#include "args.h"
#include "domhost_helpers.h"
#include "module_registry.h"

namespace tandem {

namespace {

// setBlockThreshold(dev, thresholdBytes, flags?): dev is a disk target ("vda") or a backing chain element
// ("vda[1]"); 0 disarms it.
Napi::Value SetBlockThreshold(const Napi::CallbackInfo& info) {
  std::string dev = RequireString(info, 0, "dev");
  unsigned long long threshold = domhost::RequireUint64(info, 1, "thresholdBytes");
  unsigned int flags = OptionalUint(info, 2, "flags");
  return domhost::DomainVoidCall(info, "virDomainSetBlockThreshold", [dev, threshold, flags](virDomainPtr d) {
    return virDomainSetBlockThreshold(d, dev.c_str(), threshold, flags);
  });
}

void InitBlockThreshold(Napi::Env env, Napi::Object) {
  AddMethod(env, AddonData::Get(env)->domainClass, "setBlockThreshold", SetBlockThreshold);
}

}  // namespace

TANDEM_BINDING_MODULE(block_threshold, InitBlockThreshold);

}  // namespace tandem
