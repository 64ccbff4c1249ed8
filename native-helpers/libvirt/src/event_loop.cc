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

static Napi::Object ToJsObject(Napi::Env env, const EventMessage& message) {
  Napi::Object payload = Napi::Object::New(env);
  for (const auto& [key, value] : message.fields) {
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
  return payload;
}

// Runs on the JS thread. Nothing may throw out of here: an exception escaping a thread-safe function's
// callback aborts the process.
static void CallJs(Napi::Env env, Napi::Function callback, EventMessage* message) {
  std::unique_ptr<EventMessage> owned(message);
  if (env == nullptr || callback.IsEmpty()) return;
  Napi::Object payload;
  try {
    payload = ToJsObject(env, *owned);
  } catch (const Napi::Error&) {
    // The environment is being torn down (Node exiting with an event in flight): drop the event.
    return;
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
    : lifetime_(std::make_shared<Lifetime>()) {
  // The finalizer's context keeps the Lifetime alive until Node has finalized the function.
  auto* context = new std::shared_ptr<Lifetime>(lifetime_);
  tsfn_ = Napi::ThreadSafeFunction::New(env, callback, name, 0, 1, context,
                                        [](Napi::Env, std::shared_ptr<Lifetime>* lifetime) {
                                          {
                                            std::lock_guard<std::mutex> lock((*lifetime)->mutex);
                                            (*lifetime)->finalized = true;
                                          }
                                          delete lifetime;
                                        });
  tsfn_.Unref(env);
}

EventSink::~EventSink() {
  std::lock_guard<std::mutex> lock(lifetime_->mutex);
  if (!lifetime_->finalized) tsfn_.Release();
}

void EventSink::Post(EventMessage message) {
  std::lock_guard<std::mutex> lock(lifetime_->mutex);
  if (lifetime_->finalized) return;
  auto* heap = new EventMessage(std::move(message));
  if (tsfn_.NonBlockingCall(heap, CallJs) != napi_ok) delete heap;
}

}  // namespace tandem
