// Registration of event callbacks for binding modules (network and storage pool events), recorded in the
// connection's ConnectionRegistrations so Connection.close() deregisters whatever JS forgot.
#pragma once
#include <napi.h>

#include <memory>
#include <mutex>
#include <set>

#include "args.h"
#include "async_call.h"
#include "connection.h"
#include "domain_events.h"  // FreeEventSink: the opaque of every registration is a heap shared_ptr<EventSink>
#include "event_loop.h"

namespace tandem {

// Which set of ConnectionRegistrations holds ids of this kind (networkEventIds, storagePoolEventIds).
using RegistrationSet = std::set<int> ConnectionRegistrations::*;

// registerFn(conn, opaque, FreeEventSink) returns the callback id or -1 (virConnectXxxEventRegisterAny with
// the filter, event id and C callback already bound); deregisterFn(conn, id) undoes it.
template <typename RegisterFn, typename DeregisterFn>
Napi::Value RegisterEventCallback(const Napi::CallbackInfo& info, const char* function, RegistrationSet set,
                                  Napi::Function callback, const char* sinkName, RegisterFn registerFn,
                                  DeregisterFn deregisterFn) {
  Napi::Env env = info.Env();
  ConnectRef c = Connection::FromValue(env, info.This());
  auto regs = Connection::RegistrationsOf(env, info.This());
  auto* opaque = new std::shared_ptr<EventSink>(std::make_shared<EventSink>(env, callback, sinkName));
  return AsyncCall<int>::Run(
      env, function,
      [c, regs, set, opaque, registerFn, deregisterFn, function] {
        int id = registerFn(c.get(), static_cast<void*>(opaque), FreeEventSink);
        // As for domain events: on failure the opaque stays allocated (an unref'd sink) rather than risk a
        // double free should a driver have called freecb on its error path.
        if (id < 0) ThrowLastError(function);
        {
          std::lock_guard<std::mutex> lock(regs->mutex);
          if (!regs->closed) {
            ((*regs).*set).insert(id);
            return id;
          }
        }
        // close() ran while this registration was in flight and could not see its id: undo it here.
        deregisterFn(c.get(), id);
        throw VirFailure(VirErrorInfo{VIR_ERR_INVALID_CONN, VIR_FROM_NONE, VIR_ERR_ERROR, "the connection was closed"});
      },
      [](Napi::Env e, int& id) -> Napi::Value { return Napi::Number::New(e, id); });
}

// deregisterFn(conn, id) returns 0 or -1 (virConnectXxxEventDeregisterAny).
template <typename DeregisterFn>
Napi::Value DeregisterEventCallback(const Napi::CallbackInfo& info, const char* function, RegistrationSet set,
                                    DeregisterFn deregisterFn) {
  Napi::Env env = info.Env();
  ConnectRef c = Connection::FromValue(env, info.This());
  auto regs = Connection::RegistrationsOf(env, info.This());
  int id = RequireInt(info, 0, "callbackId");
  return AsyncCall<Unit>::Run(
      env, function,
      [c, regs, set, id, deregisterFn, function] {
        {
          std::lock_guard<std::mutex> lock(regs->mutex);
          ((*regs).*set).erase(id);
        }
        if (deregisterFn(c.get(), id) < 0) ThrowLastError(function);
        return Unit{};
      },
      ToUndefined);
}

}  // namespace tandem
