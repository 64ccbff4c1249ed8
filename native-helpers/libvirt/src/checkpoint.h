// DomainCheckpoint: a JS wrapper of virDomainCheckpointPtr (libvirt-domain-checkpoint.h), plus the
// checkpoint methods this module adds to Domain (checkpointCreateXML, listAllCheckpoints, ...).
// Checkpoints mark a point in time on each disk (a dirty bitmap) for incremental backups.
// Owns one libvirt reference, dropped by free() or by the finalizer.
#pragma once
#include <napi.h>

#include <libvirt/libvirt.h>

#include "vir_ref.h"

namespace tandem {

using CheckpointRef = VirRef<virDomainCheckpointPtr, virDomainCheckpointRef, virDomainCheckpointFree>;

class DomainCheckpoint : public Napi::ObjectWrap<DomainCheckpoint> {
 public:
  // For the call shapes of object_calls.h (RunObjectCall, RunListCall).
  using RefType = CheckpointRef;
  using Ptr = virDomainCheckpointPtr;

  static Napi::Function Init(Napi::Env env);
  // Wraps a reference the caller owns; the new JS object takes it over.
  static Napi::Object Wrap(Napi::Env env, CheckpointRef checkpoint);
  // A new reference to the checkpoint wrapped by `value`, or a TypeError naming `what`.
  static CheckpointRef FromValue(Napi::Env env, Napi::Value value, const char* what);

  explicit DomainCheckpoint(const Napi::CallbackInfo& info);

  ~DomainCheckpoint() override;

 private:
  CheckpointRef Shared(Napi::Env env) const;

  Napi::Value GetName(const Napi::CallbackInfo& info);          // virDomainCheckpointGetName (local)
  Napi::Value GetParent(const Napi::CallbackInfo& info);        // virDomainCheckpointGetParent
  Napi::Value ListAllChildren(const Napi::CallbackInfo& info);  // virDomainCheckpointListAllChildren
  Napi::Value GetXMLDesc(const Napi::CallbackInfo& info);       // virDomainCheckpointGetXMLDesc
  Napi::Value Delete(const Napi::CallbackInfo& info);           // virDomainCheckpointDelete
  Napi::Value Free(const Napi::CallbackInfo& info);             // virDomainCheckpointFree (drops our reference now)

  CheckpointRef cp_;
};

}  // namespace tandem
