// Stream: a JS wrapper of virStreamPtr (libvirt-stream.h), always non-blocking (VIR_STREAM_NONBLOCK).
//
// Threads. Readiness comes from libvirt's event loop thread (virStreamEventAddCallback) and is posted to JS
// through a thread-safe function; recv() and send() then run on the JS thread. That is safe because the
// stream is non-blocking: for the remote driver (every daemon connection, unix socket included) recv only
// dequeues packets the event loop thread already read from the socket and returns -2 ("would block") when
// there are none, and send only encodes and queues a packet, writing what the socket takes at once without
// waiting (the event loop flushes the rest). Both are memory copies under a short lock, so doing them on
// the JS thread avoids a thread hop per chunk. finish() and abort() wait for the daemon's reply: workers.
//
// Events are one-shot: the native callback disarms the registration (events = 0) before posting, and JS
// re-arms it (eventUpdateCallback) when it wants more. The remote driver fires its stream timer on every
// loop iteration while data is queued (or always, for WRITABLE), so an armed-but-unserved registration
// would otherwise spin the event thread and flood the JS queue.
//
// Lifetime. While an event callback is registered its thread-safe function is referenced, so an open
// stream keeps Node alive, like a socket; removing the callback releases it at once. free() and the finalizer remove the callback, and a stream that
// was neither finished nor aborted is aborted (an RPC) on a short-lived thread before its reference goes.
#pragma once
#include <napi.h>

#include <libvirt/libvirt.h>

#include <memory>

#include "vir_ref.h"

namespace tandem {

using StreamRef = VirRef<virStreamPtr, virStreamRef, virStreamFree>;

class StreamSink;  // stream.cc: posts readiness to JS

class Stream : public Napi::ObjectWrap<Stream> {
 public:
  static constexpr const char* kClassName = "Stream";
  static Napi::Function Init(Napi::Env env);
  // A new non-blocking stream on `conn` (virStreamNew is local: no RPC), wrapped; a LibvirtError if it fails.
  static Napi::Value NewOn(Napi::Env env, virConnectPtr conn);
  // Wraps a new stream the caller owns; the JS object takes it over.
  static Napi::Object Wrap(Napi::Env env, StreamRef stream);
  // A new reference to the stream wrapped by `value`, or a TypeError naming `what` (a LibvirtError after
  // free()). Marks nothing: the stream is attached to a transfer by the caller's libvirt call.
  static StreamRef FromValue(Napi::Env env, Napi::Value value, const char* what);

  explicit Stream(const Napi::CallbackInfo& info);
  ~Stream() override;

 private:
  StreamRef Shared(Napi::Env env) const;

  Napi::Value EventAddCallback(const Napi::CallbackInfo& info);     // virStreamEventAddCallback (local)
  Napi::Value EventUpdateCallback(const Napi::CallbackInfo& info);  // virStreamEventUpdateCallback (local)
  Napi::Value EventRemoveCallback(const Napi::CallbackInfo& info);  // virStreamEventRemoveCallback (local)
  Napi::Value Recv(const Napi::CallbackInfo& info);                 // virStreamRecv (non-blocking)
  Napi::Value Send(const Napi::CallbackInfo& info);                 // virStreamSend (non-blocking)
  Napi::Value Finish(const Napi::CallbackInfo& info);               // virStreamFinish (worker)
  Napi::Value Abort(const Napi::CallbackInfo& info);                // virStreamAbort (worker)
  Napi::Value Free(const Napi::CallbackInfo& info);                 // callback removed, aborted if active

  // Removes the callback and drops our reference; a transfer neither finished nor aborted is aborted in
  // the background (free() and the finalizer).
  void Dispose();
  // Removes the event callback if one is registered; errors are ignored (the stream may be dead).
  void RemoveCallback();
  // Throws the LibvirtError of a failed local call on the JS thread.
  [[noreturn]] void ThrowLocal(Napi::Env env, const char* function) const;

  StreamRef stream_;
  std::shared_ptr<StreamSink> sink_;  // while a callback is registered
  bool callbackRegistered_ = false;
  // Set once finish() or abort() was called: no need to abort on free().
  bool ended_ = false;
};

}  // namespace tandem
