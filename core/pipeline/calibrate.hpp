// The calibration loop: runs the passes a feature calibrator asks for over the samples,
// feeding it every calibrated tensor, and returns its per-tensor parameters.
//
// Determinism: sample i always goes to shard (i % shards), whatever the thread count, and the
// calibrator merges shards in index order; passes marked SEQUENTIAL (and batched passes) see
// samples strictly in order. So the result does not depend on --threads.
// Memory: at most one forward per thread is alive; samples are loaded when needed.
#pragma once

#include "calibration_tensors.hpp"
#include "progress.hpp"
#include "run_context.hpp"
#include "sample_feed.hpp"

#include "mnnq/core/executor.hpp"
#include "mnnq/core/plugin_handles.hpp"

#include <string>
#include <vector>

namespace mnnq {

// The run's context (threads, quiet, progress) plus the shard count.
struct CalibrationOptions : RunContext {
  unsigned shards = 16;
};

struct PhaseTiming {
  std::string phase;
  double seconds = 0;
  uint64_t items = 0;
};

struct CalibrationOutcome {
  std::vector<mnnq_feature_params> params;  // one per CalibrationTensors entry
  uint64_t samples_used = 0;
  std::vector<uint64_t> usable_samples;  // indexes of the samples that loaded
  std::vector<SkippedSample> skipped;
  std::vector<std::string> notes;
  std::vector<PhaseTiming> passes;
};

CalibrationOutcome calibrate(const Graph& graph, const Executor& executor,
                             const CalibrationTensors& tensors, CalibratorHandle& calibrator,
                             SampleFeed& feed, const CalibrationOptions& options);

// A copy of `graph` whose convolution weights are fake-quantized per output channel,
// symmetric max-abs, to +-(2^(bits-1)-1): w <- s * clamp(round(w / s)), s = max|w| / L.
Graph fakeQuantizeWeights(const Graph& graph, int bits);

}  // namespace mnnq
