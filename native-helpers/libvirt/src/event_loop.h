// libvirt's event loop, and delivery of libvirt callbacks to JS.
//
// libvirt needs an event loop implementation registered before any connection is opened, for events,
// keepalive and close callbacks. We use libvirt's default implementation, run on one dedicated thread per
// process (virEventRunDefaultImpl). Callbacks fire on that thread and reach JS through thread-safe
// functions, so nothing libvirt does ever runs on, or waits for, the JS thread.
#pragma once
#include <libvirt/libvirt.h>
#include <napi.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace tandem {

// Registers the default event implementation and starts its thread; idempotent, process-wide.
// Returns false (with the libvirt error captured) if registration failed.
bool EnsureEventLoop();

// One event, as plain data captured on the event thread and turned into a JS object on the JS thread.
using EventValue = std::variant<int64_t, double, bool, std::string>;
struct EventMessage {
  std::vector<std::pair<std::string, EventValue>> fields;
  void Add(std::string key, EventValue value) { fields.emplace_back(std::move(key), std::move(value)); }
};

// Delivers EventMessages to one JS function. Unref'd: a pending subscription does not keep Node alive.
//
// A sink may outlive its JS environment: libvirt frees it when a callback is deregistered, which can happen
// on another thread after Node has torn the environment down (a Connection finalized at exit is closed on
// a background thread). Node deletes the thread-safe function at teardown, so the sink learns of that
// through the function's finalizer and never touches it afterwards.
class EventSink {
 public:
  EventSink(Napi::Env env, Napi::Function callback, const char* name);
  ~EventSink();
  EventSink(const EventSink&) = delete;
  EventSink& operator=(const EventSink&) = delete;

  // Callable from any thread. Drops the message if the JS side is gone (shutting down).
  void Post(EventMessage message);

  // Set by the thread-safe function's finalizer (JS thread), read under the mutex by every other use.
  struct Lifetime {
    std::mutex mutex;
    bool finalized = false;
  };

 private:
  std::shared_ptr<Lifetime> lifetime_;
  Napi::ThreadSafeFunction tsfn_;
};

// Every event registration's opaque is a heap std::shared_ptr<EventSink> (freed by FreeEventSink).
inline EventSink& SinkOf(void* opaque) { return **static_cast<std::shared_ptr<EventSink>*>(opaque); }

// The fields every object event starts with: the event's name, then the object's name and UUID, read
// locally from the object (no RPC, so safe on the event loop thread).
template <typename Ptr>
EventMessage ObjectEventMessage(const char* event, Ptr object, const char* (*getName)(Ptr),
                                int (*getUUIDString)(Ptr, char*)) {
  EventMessage m;
  m.Add("event", std::string(event));
  const char* name = getName(object);
  m.Add("name", std::string(name != nullptr ? name : ""));
  char uuid[VIR_UUID_STRING_BUFLEN] = {0};
  if (getUUIDString(object, uuid) == 0) m.Add("uuid", std::string(uuid));
  return m;
}

}  // namespace tandem
