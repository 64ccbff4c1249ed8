#include "auth.h"

#include <cstdlib>
#include <cstring>
#include <future>
#include <optional>
#include <string>
#include <vector>

namespace tandem {

namespace {

// Every credential type libvirt knows; the JS callback decides which it can answer.
int kCredTypes[] = {
    VIR_CRED_USERNAME, VIR_CRED_AUTHNAME,     VIR_CRED_LANGUAGE, VIR_CRED_CNONCE,   VIR_CRED_PASSPHRASE,
    VIR_CRED_ECHOPROMPT, VIR_CRED_NOECHOPROMPT, VIR_CRED_REALM,  VIR_CRED_EXTERNAL,
};

const char* CredTypeName(int type) {
  switch (type) {
    case VIR_CRED_USERNAME: return "username";
    case VIR_CRED_AUTHNAME: return "authname";
    case VIR_CRED_LANGUAGE: return "language";
    case VIR_CRED_CNONCE: return "cnonce";
    case VIR_CRED_PASSPHRASE: return "passphrase";
    case VIR_CRED_ECHOPROMPT: return "echoprompt";
    case VIR_CRED_NOECHOPROMPT: return "noechoprompt";
    case VIR_CRED_REALM: return "realm";
    case VIR_CRED_EXTERNAL: return "external";
    default: return "unknown";
  }
}

struct Prompt {
  int type;
  std::string prompt, challenge, defaultResult;
};

// One request from the worker to JS. Shared, because the JS side may answer after a promise settles.
struct AuthRequest {
  std::vector<Prompt> prompts;
  std::promise<std::optional<std::vector<std::string>>> answer;
  bool answered = false;

  void Answer(std::optional<std::vector<std::string>> value) {
    if (answered) return;
    answered = true;
    answer.set_value(std::move(value));
  }
};

using RequestHandle = std::shared_ptr<AuthRequest>;

std::optional<std::vector<std::string>> ReadAnswers(const Napi::Value& value, size_t expected) {
  if (!value.IsArray()) return std::nullopt;  // null/undefined: the user refused
  Napi::Array array = value.As<Napi::Array>();
  if (array.Length() != expected) return std::nullopt;
  std::vector<std::string> answers;
  for (uint32_t i = 0; i < array.Length(); i++) {
    Napi::Value item = array.Get(i);
    if (!item.IsString()) return std::nullopt;
    answers.push_back(item.As<Napi::String>().Utf8Value());
  }
  return answers;
}

void CallJs(Napi::Env env, Napi::Function callback, RequestHandle* raw) {
  RequestHandle request = *raw;
  delete raw;
  if (env == nullptr) {
    request->Answer(std::nullopt);
    return;
  }
  try {
    Napi::Array creds = Napi::Array::New(env, request->prompts.size());
    for (size_t i = 0; i < request->prompts.size(); i++) {
      const Prompt& p = request->prompts[i];
      Napi::Object o = Napi::Object::New(env);
      o.Set("type", p.type);
      o.Set("typeName", CredTypeName(p.type));
      o.Set("prompt", p.prompt);
      o.Set("challenge", p.challenge);
      o.Set("defaultResult", p.defaultResult);
      creds.Set(i, o);
    }
    Napi::Value result = callback.Call({creds});
    size_t expected = request->prompts.size();
    if (result.IsPromise()) {
      Napi::Object promise = result.As<Napi::Object>();
      auto onFulfilled = Napi::Function::New(env, [request, expected](const Napi::CallbackInfo& info) {
        request->Answer(ReadAnswers(info[0], expected));
      });
      auto onRejected = Napi::Function::New(env, [request](const Napi::CallbackInfo&) { request->Answer(std::nullopt); });
      promise.Get("then").As<Napi::Function>().Call(promise, {onFulfilled, onRejected});
    } else {
      request->Answer(ReadAnswers(result, expected));
    }
  } catch (const Napi::Error&) {
    // A throwing callback means "no credentials": the open fails with libvirt's auth error.
    request->Answer(std::nullopt);
  }
}

char* CopyToMalloc(const std::string& s) {
  // libvirt frees credential results with free(), so they must come from malloc.
  char* out = static_cast<char*>(std::malloc(s.size() + 1));
  if (out != nullptr) std::memcpy(out, s.c_str(), s.size() + 1);
  return out;
}

}  // namespace

AuthBridge::AuthBridge(Napi::Env env, Napi::Function callback)
    : tsfn_(Napi::ThreadSafeFunction::New(env, callback, "libvirt-auth", 0, 1)) {
  auth_.credtype = kCredTypes;
  auth_.ncredtype = sizeof(kCredTypes) / sizeof(kCredTypes[0]);
  auth_.cb = &AuthBridge::OnCredentials;
  auth_.cbdata = this;
}

AuthBridge::~AuthBridge() { tsfn_.Release(); }

int AuthBridge::OnCredentials(virConnectCredentialPtr cred, unsigned int ncred, void* cbdata) {
  auto* self = static_cast<AuthBridge*>(cbdata);
  auto request = std::make_shared<AuthRequest>();
  for (unsigned int i = 0; i < ncred; i++) {
    request->prompts.push_back(Prompt{cred[i].type, cred[i].prompt ? cred[i].prompt : "",
                                      cred[i].challenge ? cred[i].challenge : "",
                                      cred[i].defresult ? cred[i].defresult : ""});
  }
  auto future = request->answer.get_future();
  auto* handle = new RequestHandle(request);
  if (self->tsfn_.BlockingCall(handle, CallJs) != napi_ok) {
    delete handle;
    return -1;
  }
  std::optional<std::vector<std::string>> answers;
  try {
    answers = future.get();
  } catch (const std::future_error&) {
    // The JS side went away without answering (its promise was collected, or Node is shutting down):
    // no credentials. Nothing may be thrown through libvirt's C frames.
    return -1;
  }
  if (!answers) return -1;
  for (unsigned int i = 0; i < ncred; i++) {
    cred[i].result = CopyToMalloc((*answers)[i]);
    if (cred[i].result == nullptr) return -1;
    cred[i].resultlen = static_cast<unsigned int>((*answers)[i].size());
  }
  return 0;
}

}  // namespace tandem
