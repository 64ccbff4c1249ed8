#include "event_loop.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <mutex>
#include <thread>

#include "errors.h"

namespace tandem {

namespace {
std::once_flag g_eventLoopOnce;
bool g_eventLoopReady = false;

void RunEventLoop() {
  // virEventRunDefaultImpl waits for one round of events or timers; failures are transient
  // (e.g. EINTR), so keep going.
  for (;;) {
    if (virEventRunDefaultImpl() < 0) virResetLastError();
  }
}
}  // namespace

bool EnsureEventLoop() {
  std::call_once(g_eventLoopOnce, [] {
    if (virEventRegisterDefaultImpl() < 0) return;
    // Detached: the loop lives as long as the process, like libvirt's own global state.
    std::thread(RunEventLoop).detach();
    g_eventLoopReady = true;
  });
  return g_eventLoopReady;
}

static void CallJs(Napi::Env env, Napi::Function callback, EventMessage* message) {
  std::unique_ptr<EventMessage> owned(message);
  if (env == nullptr || callback.IsEmpty()) return;
  Napi::Object payload = Napi::Object::New(env);
  for (auto& [key, value] : owned->fields) {
    std::visit(
        [&](auto&& v) {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, int64_t>) {
            payload.Set(key, Napi::Number::New(env, static_cast<double>(v)));
          } else if constexpr (std::is_same_v<V, double>) {
            payload.Set(key, Napi::Number::New(env, v));
          } else if constexpr (std::is_same_v<V, bool>) {
            payload.Set(key, Napi::Boolean::New(env, v));
          } else {
            payload.Set(key, Napi::String::New(env, v));
          }
        },
        value);
  }
  try {
    callback.Call({payload});
  } catch (const Napi::Error& e) {
    // An exception in a user's event handler must not be lost, nor unwind into libvirt's thread:
    // report it as an uncaught exception on the JS side, as an EventEmitter would.
    napi_fatal_exception(env, e.Value());
  }
}

EventSink::EventSink(Napi::Env env, Napi::Function callback, const char* name)
    : tsfn_(Napi::ThreadSafeFunction::New(env, callback, name, 0, 1)) {
  tsfn_.Unref(env);
}

EventSink::~EventSink() { tsfn_.Release(); }

void EventSink::Post(EventMessage message) {
  auto* heap = new EventMessage(std::move(message));
  if (tsfn_.NonBlockingCall(heap, CallJs) != napi_ok) delete heap;
}

}  // namespace tandem
