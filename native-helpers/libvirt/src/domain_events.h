// Adapters from libvirt's typed domain event callbacks to EventMessages. Each callback runs on the event
// loop thread, copies what it needs (names and UUIDs are local to the virDomain, no RPC) and posts it.
#pragma once
#include <libvirt/libvirt.h>

#include "event_loop.h"

namespace tandem {

// The C callback for a VIR_DOMAIN_EVENT_ID_*, or nullptr when the binding does not support that event.
virConnectDomainEventGenericCallback DomainEventCallbackFor(int eventId);

// The fields every domain event starts with: event, name, uuid, and the running domain's id (-1 if none).
EventMessage DomainMessage(virDomainPtr dom, const char* event);

// The opaque of every event registration is a heap std::shared_ptr<EventSink>; libvirt frees it with this.
void FreeEventSink(void* opaque);

}  // namespace tandem
