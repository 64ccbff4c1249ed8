// DomainSnapshot: a JS wrapper of virDomainSnapshotPtr (libvirt-domain-snapshot.h), plus the snapshot
// methods this module adds to Domain (snapshotCreateXML, listAllSnapshots, revertToSnapshot, ...).
// Owns one libvirt reference, dropped by free() or by the finalizer.
#pragma once
#include <napi.h>

#include <libvirt/libvirt.h>

#include "vir_ref.h"

namespace tandem {

using SnapshotRef = VirRef<virDomainSnapshotPtr, virDomainSnapshotRef, virDomainSnapshotFree>;

class DomainSnapshot : public Napi::ObjectWrap<DomainSnapshot> {
 public:
  // For the call shapes of object_calls.h (RunObjectCall, RunListCall).
  using RefType = SnapshotRef;
  using Ptr = virDomainSnapshotPtr;

  static Napi::Function Init(Napi::Env env);
  // Wraps a reference the caller owns; the new JS object takes it over.
  static Napi::Object Wrap(Napi::Env env, SnapshotRef snapshot);
  // A new reference to the snapshot wrapped by `value`, or a TypeError naming `what`.
  static SnapshotRef FromValue(Napi::Env env, Napi::Value value, const char* what);

  explicit DomainSnapshot(const Napi::CallbackInfo& info);

  ~DomainSnapshot() override;

 private:
  SnapshotRef Shared(Napi::Env env) const;

  Napi::Value GetName(const Napi::CallbackInfo& info);         // virDomainSnapshotGetName (local)
  Napi::Value GetParent(const Napi::CallbackInfo& info);       // virDomainSnapshotGetParent
  Napi::Value ListAllChildren(const Napi::CallbackInfo& info); // virDomainSnapshotListAllChildren
  Napi::Value GetXMLDesc(const Napi::CallbackInfo& info);      // virDomainSnapshotGetXMLDesc
  Napi::Value IsCurrent(const Napi::CallbackInfo& info);       // virDomainSnapshotIsCurrent
  Napi::Value HasMetadata(const Napi::CallbackInfo& info);     // virDomainSnapshotHasMetadata
  Napi::Value Delete(const Napi::CallbackInfo& info);          // virDomainSnapshotDelete
  Napi::Value Free(const Napi::CallbackInfo& info);            // virDomainSnapshotFree (drops our reference now)

  SnapshotRef snap_;
};

}  // namespace tandem
