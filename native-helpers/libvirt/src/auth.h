// The credential callback of virConnectOpenAuth, answered by a JS function.
//
// libvirt asks for credentials (username, password, passphrase...) synchronously on the thread that opens
// the connection, which for us is a worker. AuthBridge forwards the request to JS through a thread-safe
// function, lets the JS callback answer (synchronously or with a promise), and blocks only that worker
// until it has the answers.
#pragma once
#include <libvirt/libvirt.h>
#include <napi.h>

#include <memory>

namespace tandem {

class AuthBridge {
 public:
  // `callback(credentials)` gets [{type, typeName, prompt, challenge, defaultResult}] and returns (or
  // resolves to) an array of strings, one per credential, or null to refuse.
  AuthBridge(Napi::Env env, Napi::Function callback);
  ~AuthBridge();
  AuthBridge(const AuthBridge&) = delete;
  AuthBridge& operator=(const AuthBridge&) = delete;

  virConnectAuthPtr auth() { return &auth_; }

 private:
  static int OnCredentials(virConnectCredentialPtr cred, unsigned int ncred, void* cbdata);
  Napi::ThreadSafeFunction tsfn_;
  virConnectAuth auth_{};
};

}  // namespace tandem
