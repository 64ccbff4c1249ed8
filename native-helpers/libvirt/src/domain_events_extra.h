// The domain events domain_events.cc does not adapt itself (graphics, job completed, tunable, PM, balloon,
// tray, ...): DomainEventCallbackFor falls back to this for the ids it does not know.
#pragma once
#include <libvirt/libvirt.h>

namespace tandem {

// The C callback for one of those VIR_DOMAIN_EVENT_ID_*, or nullptr when the binding does not support it.
virConnectDomainEventGenericCallback DomainEventExtraCallbackFor(int eventId);

}  // namespace tandem
