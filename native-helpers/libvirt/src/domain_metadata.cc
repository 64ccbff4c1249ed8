// Domain metadata (title, description, and applications' own XML elements), added to Domain.prototype.
// Setting it is also what raises VIR_DOMAIN_EVENT_ID_METADATA_CHANGE (domain_events_extra.cc).
#include <libvirt/libvirt.h>

#include <optional>
#include <string>

#include "addon_data.h"
#include "args.h"
#include "async_call.h"
#include "domhost_helpers.h"
#include "module_registry.h"

namespace tandem {

namespace {

using domhost::CStr;
using domhost::OptionalString;

// setMetadata(type: virDomainMetadataType, metadata: string | null, key: string | null, uri: string | null,
//             flags?: virDomainModificationImpact). null metadata removes it; key and uri are for
// VIR_DOMAIN_METADATA_ELEMENT only (the namespace prefix and URI of the element).
Napi::Value SetMetadata(const Napi::CallbackInfo& info) {
  int type = static_cast<int>(domhost::RequireInteger(info, 0, "type", 0, 2147483647.0));
  std::optional<std::string> metadata = OptionalString(info, 1, "metadata");
  std::optional<std::string> key = OptionalString(info, 2, "key");
  std::optional<std::string> uri = OptionalString(info, 3, "uri");
  unsigned int flags = OptionalUint(info, 4, "flags");
  return domhost::DomainVoidCall(info, "virDomainSetMetadata", [type, metadata, key, uri, flags](virDomainPtr d) {
    return virDomainSetMetadata(d, type, CStr(metadata), CStr(key), CStr(uri), flags);
  });
}

// getMetadata(type, uri: string | null, flags?) -> the text (title, description) or the element's XML.
Napi::Value GetMetadata(const Napi::CallbackInfo& info) {
  int type = static_cast<int>(domhost::RequireInteger(info, 0, "type", 0, 2147483647.0));
  std::optional<std::string> uri = OptionalString(info, 1, "uri");
  unsigned int flags = OptionalUint(info, 2, "flags");
  DomainRef d = domhost::ThisDomain(info);
  return OwnedStringCall(info.Env(), "virDomainGetMetadata",
                         [d, type, uri, flags] { return virDomainGetMetadata(d.get(), type, CStr(uri), flags); });
}

void InitDomainMetadata(Napi::Env env, Napi::Object) {
  const Napi::FunctionReference& dom = AddonData::Get(env)->domainClass;
  AddMethod(env, dom, "setMetadata", SetMetadata);
  AddMethod(env, dom, "getMetadata", GetMetadata);
}

}  // namespace

TANDEM_BINDING_MODULE(domain_metadata, InitDomainMetadata);

}  // namespace tandem
