// One sample made by a run's input plugin, with the preprocessing calibration applies: what
// `mnnq infer --config CFG --image IMG` runs and writes as input.npy, and what Python's
// mnnq.load_image returns, so both are byte for byte the calibration data.
#pragma once

#include "mnnq/core/graph.hpp"
#include "mnnq/core/run_config.hpp"
#include "mnnq/core/tensor.hpp"

#include <map>
#include <string>
#include <vector>

namespace mnnq {

struct OneSample {
  std::map<int, Tensor> inputs;                            // graph input tensor id -> value
  std::map<std::string, std::vector<int>> input_shapes;    // for ExecutorOptions::input_shapes
};

// `sample` is a file (or entry) in a folder the plugin reads: the plugin lists that folder
// and the entry with the same name is loaded. Throws ConfigError when the file does not exist
// or the plugin offers no such sample, std::runtime_error when the plugin skips it (with the
// reason).
OneSample loadOneSample(const Graph& graph, const RunConfig& run, const std::string& sample);

}  // namespace mnnq
