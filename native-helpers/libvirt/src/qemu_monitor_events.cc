// QEMU monitor events (libvirt-qemu.h): the QMP events of a domain's QEMU as QEMU sent them, event name and
// JSON data, through virConnectDomainQemuMonitorEventRegister. For what libvirt's own events flatten: a
// guest reset under on_reboot=destroy and a guest power-off both reach libvirt's lifecycle API as
// "shutdown, guest", while QEMU's SHUTDOWN event says {"guest":true,"reason":"guest-reset"} or
// "guest-shutdown". Registrations are kept in the connection's ConnectionRegistrations (close() removes them).
#include <libvirt/libvirt-qemu.h>
#include <libvirt/libvirt.h>

#include <string>

#include "addon_data.h"
#include "args.h"
#include "connection.h"
#include "domain.h"
#include "domain_events.h"
#include "event_loop.h"
#include "event_registration.h"
#include "module_registry.h"

namespace tandem {

namespace {

// On the event loop thread: libvirt frees `event` and `details` when this returns, so they are copied.
void OnQemuMonitorEvent(virConnectPtr, virDomainPtr dom, const char* event, long long seconds, unsigned int micros,
                        const char* details, void* opaque) {
  EventMessage m = DomainMessage(dom, "qemu-monitor");
  m.Add("qmpEvent", std::string(event != nullptr ? event : ""));
  m.Add("seconds", static_cast<int64_t>(seconds));
  m.Add("micros", static_cast<int64_t>(micros));
  m.Add("details", std::string(details != nullptr ? details : ""));  // JSON text, "" when QEMU sent no data
  SinkOf(opaque).Post(std::move(m));
}

// conn.domainQemuMonitorEventRegister(domain | null, event | null, callback, flags?) -> Promise<callbackId>
// event: a QMP event name ("SHUTDOWN"), or null for every event; flags: virConnectDomainQemuMonitorEventRegisterFlags.
Napi::Value DomainQemuMonitorEventRegister(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Connection::FromValue(env, info.This());  // a closed connection is refused before any argument is read
  DomainRef filter;
  if (info.Length() > 0 && !info[0].IsNull() && !info[0].IsUndefined()) filter = Domain::FromValue(env, info[0], "domain");
  bool anyEvent = info.Length() < 2 || info[1].IsNull() || info[1].IsUndefined();
  std::string event = anyEvent ? std::string() : RequireString(info, 1, "event");
  Napi::Function callback = RequireFunction(info, 2, "callback");
  unsigned int flags = OptionalUint(info, 3, "flags");
  return RegisterEventCallback(
      info, "virConnectDomainQemuMonitorEventRegister", &ConnectionRegistrations::qemuMonitorEventIds, callback,
      "libvirt-qemu-monitor-event",
      [filter, anyEvent, event, flags](virConnectPtr conn, void* opaque, virFreeCallback freecb) {
        return virConnectDomainQemuMonitorEventRegister(conn, filter.get(), anyEvent ? nullptr : event.c_str(),
                                                        OnQemuMonitorEvent, opaque, freecb, flags);
      },
      virConnectDomainQemuMonitorEventDeregister);
}

Napi::Value DomainQemuMonitorEventDeregister(const Napi::CallbackInfo& info) {
  return DeregisterEventCallback(info, "virConnectDomainQemuMonitorEventDeregister",
                                 &ConnectionRegistrations::qemuMonitorEventIds, virConnectDomainQemuMonitorEventDeregister);
}

void InitQemuMonitorEvents(Napi::Env env, Napi::Object) {
  const Napi::FunctionReference& conn = AddonData::Get(env)->connectionClass;
  AddMethod(env, conn, "domainQemuMonitorEventRegister", DomainQemuMonitorEventRegister);
  AddMethod(env, conn, "domainQemuMonitorEventDeregister", DomainQemuMonitorEventDeregister);
}

}  // namespace

TANDEM_BINDING_MODULE(qemu_monitor_events, InitQemuMonitorEvents);

}  // namespace tandem
