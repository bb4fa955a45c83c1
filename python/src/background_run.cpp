#include "background_run.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>

namespace py = pybind11;

namespace mnnq::python {
namespace {

struct ProgressEvent {
  std::string phase;
  uint64_t done = 0;
  uint64_t total = 0;
};

// What the worker thread and the waiting Python thread share.
struct Channel {
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<ProgressEvent> events;
  bool finished = false;
  std::exception_ptr error;
  std::atomic<bool> cancel{false};

  void push(const std::string& phase, uint64_t done, uint64_t total) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (!events.empty() && events.back().phase == phase)
        events.back() = {phase, done, total};
      else
        events.push_back({phase, done, total});
    }
    wake.notify_one();
  }
};

// Joins the worker on every way out (a joinable std::thread must never be destroyed), with the
// GIL released so the worker can finish.
class JoinGuard {
 public:
  JoinGuard(std::thread& thread, Channel& channel) : thread_(thread), channel_(channel) {}
  ~JoinGuard() { join(); }
  void join() {
    if (!thread_.joinable()) return;
    channel_.cancel = true;  // no effect once the work has finished
    py::gil_scoped_release release;
    thread_.join();
  }

 private:
  std::thread& thread_;
  Channel& channel_;
};

}  // namespace

void runInBackground(const std::function<void(const WorkHooks&)>& work,
                     const py::object& progress) {
  Channel channel;
  WorkHooks hooks;
  hooks.cancelled = [&channel] { return channel.cancel.load(); };
  if (!progress.is_none())
    hooks.progress = [&channel](const std::string& phase, uint64_t done, uint64_t total) {
      channel.push(phase, done, total);
    };

  std::thread worker([&] {
    try {
      work(hooks);
    } catch (...) {
      channel.error = std::current_exception();
    }
    {
      std::lock_guard<std::mutex> lock(channel.mutex);
      channel.finished = true;
    }
    channel.wake.notify_one();
  });
  JoinGuard guard(worker, channel);

  for (;;) {
    std::deque<ProgressEvent> events;
    bool finished = false;
    {
      py::gil_scoped_release release;
      std::unique_lock<std::mutex> lock(channel.mutex);
      channel.wake.wait_for(lock, std::chrono::milliseconds(50),
                            [&] { return channel.finished || !channel.events.empty(); });
      events.swap(channel.events);
      finished = channel.finished;
    }
    // A raising callback or a Ctrl-C leaves through the guard: the work is cancelled and
    // joined before the Python exception propagates.
    for (const auto& e : events) progress(e.phase, e.done, e.total);
    if (finished) break;
    if (PyErr_CheckSignals() != 0) throw py::error_already_set();
  }
  guard.join();
  if (channel.error) std::rethrow_exception(channel.error);
}

}  // namespace mnnq::python
