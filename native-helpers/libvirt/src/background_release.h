// Drops libvirt references off the JS thread.
//
// Dropping the last reference to a connection, or to a domain, snapshot, volume or stream that holds the
// last reference to its connection, runs libvirt's dispose, which for a remote connection sends a close
// RPC and waits for it. free() and finalizers run on the JS thread, so they hand their reference to one
// background thread instead of dropping it in place.
#pragma once
#include <functional>
#include <memory>
#include <utility>

namespace tandem {

// Runs `release` on the release thread (started on first use, lives as long as the process).
void RunOnReleaseThread(std::function<void()> release);

// Takes over `ref` and drops it on the release thread. A null ref costs nothing.
template <typename Ref>
void ReleaseInBackground(Ref ref) {
  if (!ref) return;
  auto holder = std::make_shared<Ref>(std::move(ref));
  RunOnReleaseThread([holder] { holder->Reset(); });
}

}  // namespace tandem
