#include "background_release.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

namespace tandem {

namespace {

struct ReleaseQueue {
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<std::function<void()>> pending;
};

ReleaseQueue& Queue() {
  // Never destroyed: the thread may still be draining while static destructors run at exit.
  static ReleaseQueue* queue = [] {
    auto* q = new ReleaseQueue();
    std::thread([q] {
      for (;;) {
        std::function<void()> next;
        {
          std::unique_lock<std::mutex> lock(q->mutex);
          q->wake.wait(lock, [q] { return !q->pending.empty(); });
          next = std::move(q->pending.front());
          q->pending.pop_front();
        }
        next();
      }
    }).detach();
    return q;
  }();
  return *queue;
}

}  // namespace

void RunOnReleaseThread(std::function<void()> release) {
  ReleaseQueue& q = Queue();
  {
    std::lock_guard<std::mutex> lock(q.mutex);
    q.pending.push_back(std::move(release));
  }
  q.wake.notify_one();
}

}  // namespace tandem
