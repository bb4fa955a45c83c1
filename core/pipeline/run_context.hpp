// How a run executes, as opposed to what it computes (RunSettings): thread count, output
// verbosity, progress reporting and cancellation. Built once by the driver (run.cpp) and handed
// to every phase; nothing in it may change the written bytes.
#pragma once

#include "progress.hpp"

#include <functional>

namespace mnnq {

struct RunRequest;

struct RunContext {
  unsigned threads = 1;       // >= 1
  bool quiet = false;         // no progress lines or tables; warnings are still printed
  ProgressCallback progress;  // optional, see progress.hpp
  // Optional: polled between phases and before each sample; true stops the run (RunCancelled).
  std::function<bool()> cancelled;

  // Throws RunCancelled (mnnq/core/pipeline.hpp) when `cancelled` says so.
  void checkCancelled() const;

  // The context a request asks for: the driver's, and that of the quality phase's re-runs.
  static RunContext of(const RunRequest& request);
};

}  // namespace mnnq
