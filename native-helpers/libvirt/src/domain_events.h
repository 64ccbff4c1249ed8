// Adapters from libvirt's typed domain event callbacks to EventMessages. Each callback runs on the event
// loop thread, copies what it needs (names and UUIDs are local to the virDomain, no RPC) and posts it.
#pragma once
#include <libvirt/libvirt.h>

namespace tandem {

// The C callback for a VIR_DOMAIN_EVENT_ID_*, or nullptr when the binding does not support that event.
virConnectDomainEventGenericCallback DomainEventCallbackFor(int eventId);

// The opaque of every event registration is a heap std::shared_ptr<EventSink>; libvirt frees it with this.
void FreeEventSink(void* opaque);

}  // namespace tandem
