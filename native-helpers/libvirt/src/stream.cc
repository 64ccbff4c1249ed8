// Streams (libvirt-stream.h): the Stream class and Connection.newStream(). See stream.h for the threading
// and lifetime design; stream_calls.cc attaches streams to transfers (console, volume upload/download).
#include "stream.h"

#include <libvirt/virterror.h>

#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "addon_data.h"
#include "args.h"
#include "background_release.h"
#include "async_call.h"
#include "connection.h"
#include "errors.h"
#include "event_loop.h"
#include "module_registry.h"

namespace tandem {

namespace {

// recv() reads at most this much per call unless told otherwise: the remote driver's packets carry at
// most 256 KiB, and 64 KiB is what virsh uses.
constexpr size_t kDefaultRecvBytes = 64 * 1024;
constexpr size_t kMaxRecvBytes = 1024 * 1024;

}  // namespace

// Posts stream readiness (a virStreamEventType mask) to one JS function. Like EventSink, it may outlive its
// JS environment, so it learns of the thread-safe function's finalization and never touches it afterwards.
// Unlike EventSink it stays referenced: an open stream keeps Node alive, as a socket does.
//
// The Stream closes its sink itself when it removes the callback, rather than waiting for libvirt's free
// callback: libvirt's remote driver (up to at least 9.0) never calls that free callback
// (remoteStreamCallbackFree tests the wrong field; fixed upstream in 2025), and the referenced thread-safe
// function would keep Node alive for ever. Closed, the sink drops late events.
class StreamSink {
 public:
  StreamSink(Napi::Env env, Napi::Function callback) : lifetime_(std::make_shared<EventSink::Lifetime>()) {
    auto* context = new std::shared_ptr<EventSink::Lifetime>(lifetime_);
    tsfn_ = Napi::ThreadSafeFunction::New(env, callback, "libvirt-stream-event", 0, 1, context,
                                          [](Napi::Env, std::shared_ptr<EventSink::Lifetime>* lifetime) {
                                            {
                                              std::lock_guard<std::mutex> lock((*lifetime)->mutex);
                                              (*lifetime)->finalized = true;
                                            }
                                            delete lifetime;
                                          });
  }
  ~StreamSink() { Close(); }
  StreamSink(const StreamSink&) = delete;
  StreamSink& operator=(const StreamSink&) = delete;

  // Any thread. Dropped when closed or when JS is gone (shutting down).
  void Post(int events) {
    std::lock_guard<std::mutex> lock(lifetime_->mutex);
    if (closed_ || lifetime_->finalized) return;
    auto* heap = new int(events);
    if (tsfn_.NonBlockingCall(heap, CallJs) != napi_ok) delete heap;
  }

  // Releases the thread-safe function (Node may exit); idempotent.
  void Close() {
    std::lock_guard<std::mutex> lock(lifetime_->mutex);
    if (!closed_ && !lifetime_->finalized) tsfn_.Release();
    closed_ = true;
  }

 private:
  // JS thread. Nothing may throw out of a thread-safe function's callback (that aborts the process).
  static void CallJs(Napi::Env env, Napi::Function callback, int* events) {
    std::unique_ptr<int> owned(events);
    if (env == nullptr || callback.IsEmpty()) return;
    try {
      callback.Call({Napi::Number::New(env, *owned)});
    } catch (const Napi::Error& e) {
      napi_fatal_exception(env, e.Value());  // a throwing handler is an uncaught exception, as in EventSink
    }
  }

  std::shared_ptr<EventSink::Lifetime> lifetime_;
  Napi::ThreadSafeFunction tsfn_;
  bool closed_ = false;  // guarded by lifetime_->mutex
};

namespace {

using SinkHandle = std::shared_ptr<StreamSink>;

// Event loop thread. One-shot (see stream.h): disarm first, so the remote driver's zero-delay timer stops
// firing until JS has served this round and asks again.
void OnStreamEvent(virStreamPtr st, int events, void* opaque) {
  if (virStreamEventUpdateCallback(st, 0) < 0) virResetLastError();
  (*static_cast<SinkHandle*>(opaque))->Post(events);
}

void FreeSinkHandle(void* opaque) { delete static_cast<SinkHandle*>(opaque); }

constexpr int kAllEvents =
    VIR_STREAM_EVENT_READABLE | VIR_STREAM_EVENT_WRITABLE | VIR_STREAM_EVENT_ERROR | VIR_STREAM_EVENT_HANGUP;

int RequireEvents(const Napi::CallbackInfo& info, size_t index) {
  unsigned int events = OptionalUint(info, index, "events");
  if ((events & ~static_cast<unsigned int>(kAllEvents)) != 0) {
    throw Napi::TypeError::New(info.Env(), "events must be a mask of virStreamEventType values");
  }
  return static_cast<int>(events);
}

// Aborts (an RPC) and drops the last reference off the JS thread; errors are moot, the stream is going.
void AbortInBackground(StreamRef stream) {
  std::thread([stream = std::move(stream)]() mutable {
    if (virStreamAbort(stream.get()) < 0) virResetLastError();
    stream.Reset();
  }).detach();
}

// newStream() -> Stream   [virStreamNew(conn, VIR_STREAM_NONBLOCK); local, no RPC]
Napi::Value NewStream(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ConnectRef c = Connection::FromValue(env, info.This());
  return Stream::NewOn(env, c.get());
}

}  // namespace

Napi::Function Stream::Init(Napi::Env env) {
  Napi::Function cls = DefineClass(env, kClassName,
                                   {
                                       InstanceMethod<&Stream::EventAddCallback>("eventAddCallback"),
                                       InstanceMethod<&Stream::EventUpdateCallback>("eventUpdateCallback"),
                                       InstanceMethod<&Stream::EventRemoveCallback>("eventRemoveCallback"),
                                       InstanceMethod<&Stream::Recv>("recv"),
                                       InstanceMethod<&Stream::Send>("send"),
                                       InstanceMethod<&Stream::Finish>("finish"),
                                       InstanceMethod<&Stream::Abort>("abort"),
                                       InstanceMethod<&Stream::Free>("free"),
                                   });
  AddonData::Get(env)->classes[kClassName] = Napi::Persistent(cls);
  return cls;
}

Napi::Value Stream::NewOn(Napi::Env env, virConnectPtr conn) {
  virStreamPtr st = virStreamNew(conn, VIR_STREAM_NONBLOCK);
  if (st == nullptr) throw MakeLibvirtError(env, CaptureLastError("virStreamNew"), "virStreamNew");
  return Wrap(env, StreamRef::Adopt(st));
}

Napi::Object Stream::Wrap(Napi::Env env, StreamRef stream) {
  auto external = Napi::External<virStream>::New(env, stream.Release());
  return AddonData::Get(env)->classes.at(kClassName).New({external});
}

StreamRef Stream::FromValue(Napi::Env env, Napi::Value value, const char* what) {
  if (!value.IsObject() || !value.As<Napi::Object>().InstanceOf(AddonData::Get(env)->classes.at(kClassName).Value())) {
    throw Napi::TypeError::New(env, std::string(what) + " must be a Stream");
  }
  return Unwrap(value.As<Napi::Object>())->Shared(env);
}

Stream::Stream(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Stream>(info) {
  // Streams come from Connection.newStream(), never from `new`.
  if (info.Length() != 1 || !info[0].IsExternal()) {
    throw Napi::TypeError::New(info.Env(), "Stream objects come from Connection.newStream()");
  }
  stream_ = StreamRef::Adopt(info[0].As<Napi::External<virStream>>().Data());
}

// A finalizer: only local calls here; the abort RPC, if needed, goes to a short-lived thread.
Stream::~Stream() { Dispose(); }

void Stream::Dispose() {
  RemoveCallback();
  if (!stream_) return;
  if (ended_) {
    ReleaseInBackground(std::move(stream_));
  } else {
    AbortInBackground(std::move(stream_));
  }
}

StreamRef Stream::Shared(Napi::Env env) const {
  if (!stream_) {
    throw MakeLibvirtError(env, VirErrorInfo{VIR_ERR_INVALID_STREAM, VIR_FROM_STREAMS, VIR_ERR_ERROR,
                                             "this Stream object was freed"},
                           kClassName);
  }
  return stream_;
}

void Stream::ThrowLocal(Napi::Env env, const char* function) const {
  throw MakeLibvirtError(env, CaptureLastError(function), function);
}

void Stream::RemoveCallback() {
  if (!callbackRegistered_ || !stream_) return;
  callbackRegistered_ = false;
  if (virStreamEventRemoveCallback(stream_.get()) < 0) virResetLastError();  // local for every driver
  sink_->Close();  // now, not in libvirt's free callback (see StreamSink)
  sink_.reset();
}

// eventAddCallback(events: virStreamEventType mask, callback(events)) -- one per stream
Napi::Value Stream::EventAddCallback(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int events = RequireEvents(info, 0);
  Napi::Function callback = RequireFunction(info, 1, "callback");
  StreamRef st = Shared(env);
  if (callbackRegistered_) throw Napi::Error::New(env, "this Stream already has an event callback");
  auto sink = std::make_shared<StreamSink>(env, callback);
  // libvirt's copy: freed by its free callback where drivers call it (see StreamSink about the remote
  // driver, where this small handle leaks, closed, since the event thread may still hold it).
  auto* opaque = new SinkHandle(sink);
  if (virStreamEventAddCallback(st.get(), events, OnStreamEvent, opaque, FreeSinkHandle) < 0) {
    delete opaque;  // libvirt calls the free callback only for registrations that succeeded
    ThrowLocal(env, "virStreamEventAddCallback");
  }
  sink_ = std::move(sink);
  callbackRegistered_ = true;
  return env.Undefined();
}

// eventUpdateCallback(events): re-arms the one-shot registration with the events JS waits for now.
Napi::Value Stream::EventUpdateCallback(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int events = RequireEvents(info, 0);
  StreamRef st = Shared(env);
  if (!callbackRegistered_) throw Napi::Error::New(env, "this Stream has no event callback");
  if (virStreamEventUpdateCallback(st.get(), events) < 0) ThrowLocal(env, "virStreamEventUpdateCallback");
  return env.Undefined();
}

Napi::Value Stream::EventRemoveCallback(const Napi::CallbackInfo& info) {
  Shared(info.Env());
  RemoveCallback();
  return info.Env().Undefined();
}

// recv(maxBytes = 64 KiB) -> Buffer with data, an empty Buffer at end of stream, or null when nothing has
// arrived yet (libvirt's -2 on a non-blocking stream).
Napi::Value Stream::Recv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t max = kDefaultRecvBytes;
  if (info.Length() > 0 && !info[0].IsUndefined()) {
    max = OptionalUint(info, 0, "maxBytes");
    if (max == 0 || max > kMaxRecvBytes) throw Napi::TypeError::New(env, "maxBytes must be in [1, 1048576]");
  }
  StreamRef st = Shared(env);
  std::vector<char> buffer(max);
  int n = virStreamRecv(st.get(), buffer.data(), buffer.size());
  if (n == -2) return env.Null();
  if (n < 0) ThrowLocal(env, "virStreamRecv");
  return Napi::Buffer<char>::Copy(env, buffer.data(), static_cast<size_t>(n));
}

// send(data: Uint8Array) -> bytes accepted (may be fewer than given), or null when it would block.
Napi::Value Stream::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(env, "data must be a Buffer or Uint8Array");
  }
  auto data = info[0].As<Napi::Uint8Array>();
  StreamRef st = Shared(env);
  int n = virStreamSend(st.get(), reinterpret_cast<const char*>(data.Data()), data.ByteLength());
  if (n == -2) return env.Null();
  if (n < 0) ThrowLocal(env, "virStreamSend");
  return Napi::Number::New(env, n);
}

// finish() -> Promise<void>: ends the transfer and waits for the daemon to confirm it (reports a failure of
// the transfer, e.g. an upload the storage driver could not write). Removes the event callback first.
Napi::Value Stream::Finish(const Napi::CallbackInfo& info) {
  StreamRef st = Shared(info.Env());
  RemoveCallback();
  ended_ = true;
  return StatusCall(info.Env(), "virStreamFinish", [st] { return virStreamFinish(st.get()); });
}

// abort() -> Promise<void>: cancels the transfer. Removes the event callback first.
Napi::Value Stream::Abort(const Napi::CallbackInfo& info) {
  StreamRef st = Shared(info.Env());
  RemoveCallback();
  ended_ = true;
  return StatusCall(info.Env(), "virStreamAbort", [st] { return virStreamAbort(st.get()); });
}

// free(): drops the callback and our reference now; a still-active transfer is aborted in the background.
Napi::Value Stream::Free(const Napi::CallbackInfo& info) {
  Dispose();
  return info.Env().Undefined();
}

namespace {

void InitStreams(Napi::Env env, Napi::Object exports) {
  exports.Set(Stream::kClassName, Stream::Init(env));
  AddMethod(env, AddonData::Get(env)->connectionClass, "newStream", NewStream);
}

}  // namespace

TANDEM_BINDING_MODULE(streams, InitStreams);

}  // namespace tandem
