// N-API surface of the delta engine. Every call that touches more than a few bytes runs on libuv's thread
// pool (Napi::AsyncWorker) and settles a promise, so hashing a gigabyte never blocks the event loop. Input
// buffers are held by a reference for the worker's lifetime so the GC cannot move or free them meanwhile.
#include <napi.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

#include "chunker.h"

namespace {

using tandem_delta::ChunkList;
using tandem_delta::ChunkParams;
using tandem_delta::Mode;

ChunkParams ParamsFrom(const Napi::Value& value) {
  if (!value.IsObject()) throw Napi::TypeError::New(value.Env(), "chunk parameters must be an object");
  Napi::Object obj = value.As<Napi::Object>();
  ChunkParams params;
  auto field = [&](const char* name) -> uint32_t {
    Napi::Value v = obj.Get(name);
    if (!v.IsNumber()) throw Napi::TypeError::New(value.Env(), std::string(name) + " must be a number");
    double d = v.As<Napi::Number>().DoubleValue();
    if (!(d >= 0 && d <= 4294967295.0) || d != static_cast<double>(static_cast<uint32_t>(d))) {
      throw Napi::TypeError::New(value.Env(), std::string(name) + " must be an unsigned 32-bit integer");
    }
    return static_cast<uint32_t>(d);
  };
  const uint32_t mode = field("mode");
  if (mode > 2) throw Napi::TypeError::New(value.Env(), "mode must be 0 (content-defined), 1 (page) or 2 (migration stream)");
  params.mode = static_cast<Mode>(mode);
  params.min_size = field("minSize");
  params.avg_size = field("avgSize");
  params.max_size = field("maxSize");
  try {
    tandem_delta::ValidateParams(params);
  } catch (const std::invalid_argument& e) {
    throw Napi::RangeError::New(value.Env(), e.what());
  }
  return params;
}

Napi::Uint32Array Uint32ArrayOf(Napi::Env env, const std::vector<uint32_t>& values) {
  Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, values.size() * sizeof(uint32_t));
  if (!values.empty()) std::memcpy(ab.Data(), values.data(), values.size() * sizeof(uint32_t));
  return Napi::Uint32Array::New(env, values.size(), ab, 0);
}

Napi::Buffer<uint8_t> BufferOf(Napi::Env env, const std::vector<uint8_t>& bytes) {
  return Napi::Buffer<uint8_t>::Copy(env, bytes.data(), bytes.size());
}

// Base of the workers: a promise, a kept-alive input, and std::exception -> rejection with its message.
class PromiseWorker : public Napi::AsyncWorker {
 public:
  explicit PromiseWorker(Napi::Env env, const char* name)
      : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Start() {
    Napi::Promise promise = deferred_.Promise();
    Queue();  // deletes itself after OnOK/OnError
    return promise;
  }

 protected:
  void Execute() final {
    try {
      Run();
    } catch (const std::exception& e) {
      SetError(e.what());
    }
  }
  virtual void Run() = 0;
  virtual Napi::Value Result(Napi::Env env) = 0;
  void OnOK() final {
    Napi::HandleScope scope(Env());
    deferred_.Resolve(Result(Env()));
  }
  void OnError(const Napi::Error& error) final { deferred_.Reject(error.Value()); }
  void Keep(const Napi::Object& input) { kept_ = Napi::Persistent(input); }

 private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference kept_;
};

Napi::Object IndexObject(Napi::Env env, const ChunkList& list) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("lengths", Uint32ArrayOf(env, list.lengths));
  result.Set("hashes", BufferOf(env, list.hashes));
  return result;
}

class ChunkBufferWorker final : public PromiseWorker {
 public:
  ChunkBufferWorker(Napi::Env env, Napi::Uint8Array input, ChunkParams params)
      : PromiseWorker(env, "tandem_delta.chunkBuffer"), data_(input.Data()), size_(input.ByteLength()), params_(params) {
    Keep(input);
  }

 private:
  void Run() override { tandem_delta::ChunkAll(params_, data_, size_, list_); }
  Napi::Value Result(Napi::Env env) override { return IndexObject(env, list_); }
  const uint8_t* data_;
  size_t size_;
  ChunkParams params_;
  ChunkList list_;
};

class ChunkFileWorker final : public PromiseWorker {
 public:
  ChunkFileWorker(Napi::Env env, std::string path, ChunkParams params, size_t window)
      : PromiseWorker(env, "tandem_delta.chunkFile"), path_(std::move(path)), params_(params), window_(window) {}

 private:
  void Run() override { size_ = tandem_delta::ChunkFile(params_, path_, window_, list_); }
  Napi::Value Result(Napi::Env env) override {
    Napi::Object result = IndexObject(env, list_);
    result.Set("size", Napi::Number::New(env, static_cast<double>(size_)));
    return result;
  }
  std::string path_;
  ChunkParams params_;
  size_t window_;
  ChunkList list_;
  uint64_t size_ = 0;
};

class HashChunksWorker final : public PromiseWorker {
 public:
  HashChunksWorker(Napi::Env env, Napi::Uint8Array input, std::vector<uint32_t> lengths)
      : PromiseWorker(env, "tandem_delta.hashChunks"), data_(input.Data()), lengths_(std::move(lengths)) {
    Keep(input);
  }

 private:
  void Run() override {
    size_t pos = 0;
    hashes_.reserve(lengths_.size() * 16);
    for (uint32_t len : lengths_) {
      tandem_delta::AppendHash(data_ + pos, len, hashes_);
      pos += len;
    }
  }
  Napi::Value Result(Napi::Env env) override { return BufferOf(env, hashes_); }
  const uint8_t* data_;
  std::vector<uint32_t> lengths_;
  std::vector<uint8_t> hashes_;
};

Napi::Uint8Array BytesArg(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(info.Env(), "expected a Buffer or Uint8Array");
  }
  return info[i].As<Napi::Uint8Array>();
}

// chunkBuffer(bytes, params): Promise<{ lengths: Uint32Array, hashes: Buffer }>
Napi::Value ChunkBuffer(const Napi::CallbackInfo& info) {
  Napi::Uint8Array input = BytesArg(info, 0);
  ChunkParams params = ParamsFrom(info[1]);
  return (new ChunkBufferWorker(info.Env(), input, params))->Start();
}

// chunkFile(path, params, windowBytes): Promise<{ lengths, hashes, size }>
Napi::Value ChunkFileFn(const Napi::CallbackInfo& info) {
  if (!info[0].IsString()) throw Napi::TypeError::New(info.Env(), "path must be a string");
  ChunkParams params = ParamsFrom(info[1]);
  if (!info[2].IsNumber()) throw Napi::TypeError::New(info.Env(), "windowBytes must be a number");
  const double window = info[2].As<Napi::Number>().DoubleValue();
  if (!(window >= 65536 && window <= 1073741824.0)) {
    throw Napi::RangeError::New(info.Env(), "windowBytes must be between 64 KiB and 1 GiB");
  }
  return (new ChunkFileWorker(info.Env(), info[0].As<Napi::String>().Utf8Value(), params, static_cast<size_t>(window)))
      ->Start();
}

// hashChunks(bytes, lengths: Uint32Array): Promise<Buffer> (16 bytes per chunk, chunks back to back)
Napi::Value HashChunks(const Napi::CallbackInfo& info) {
  Napi::Uint8Array input = BytesArg(info, 0);
  if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array) {
    throw Napi::TypeError::New(info.Env(), "lengths must be a Uint32Array");
  }
  Napi::Uint32Array lengths = info[1].As<Napi::Uint32Array>();
  std::vector<uint32_t> copy(lengths.Data(), lengths.Data() + lengths.ElementLength());
  uint64_t total = 0;
  for (uint32_t len : copy) total += len;
  if (total > input.ByteLength()) {
    throw Napi::RangeError::New(info.Env(), "the chunk lengths add up to more than the buffer holds");
  }
  return (new HashChunksWorker(info.Env(), input, std::move(copy)))->Start();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("chunkBuffer", Napi::Function::New(env, ChunkBuffer, "chunkBuffer"));
  exports.Set("chunkFile", Napi::Function::New(env, ChunkFileFn, "chunkFile"));
  exports.Set("hashChunks", Napi::Function::New(env, HashChunks, "hashChunks"));
  return exports;
}

}  // namespace

NODE_API_MODULE(tandem_delta, Init)
