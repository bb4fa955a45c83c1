// Per-op sensitivity: for every op the run quantizes, the model's quality (evaluate.hpp, same
// samples) when only that op is left float (float_ops.hpp says what that means in the file),
// ranked best first. The score is the worst output's mean cosine; `gain` is the score minus
// the fully quantized model's. Each variant differs from the base model (the ops already
// float) in a few ops: per sample the base runs once keeping its int8 activations and each
// variant re-runs only what its change affects (QualityEvaluator::evaluateVariants), with the
// figures a full evaluation gives. Samples are spread over the threads and merged in sample
// order, so the ranking does not depend on the thread count.
#pragma once

#include "evaluate.hpp"
#include "variants.hpp"

#include "mnnq/core/executor.hpp"

#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

namespace mnnq {

struct OpSensitivity {
  int op = -1;  // index in the float graph
  std::string name;
  std::string type;
  std::vector<std::string> inputs;   // tensor names
  std::vector<std::string> outputs;  // tensor names; "(model output)" marked in tables
  bool produces_model_output = false;
  // Convolutions that run float too because they read this op's (now float) output.
  std::vector<std::string> forces_float;
  double macs = 0;             // convolution multiply-accumulates per forward (0 otherwise)
  double score = 0;            // worst output's mean cosine with this op float
  double gain = 0;             // score - baseline score
  double int8_conv_mac_share = 1;  // of the variant
  QualityReport quality;
};

struct SensitivityResult {
  QualityReport baseline;
  std::vector<OpSensitivity> ranked;  // best score first; ties in execution order
  double model_conv_macs = 0;         // all convolutions of the model
};

struct SensitivityOptions {
  unsigned threads = 1;
  bool quiet = false;
  ProgressCallback progress;
  std::string phase = "sensitivity";
};

// candidates: op indexes of `float_graph` (floatCandidateOps); already_float: op names that are
// float in the baseline and in every variant; baseline: quality of the model with only
// `already_float` float. `executor` is a float executor of float_graph (shapes, MACs).
SensitivityResult rankOpSensitivity(const Graph& float_graph, const Executor& executor,
                                    const std::vector<int>& candidates,
                                    const std::set<std::string>& already_float,
                                    const VariantFactory& variants, const QualityEvaluator& evaluator,
                                    const QualityReport& baseline, const SensitivityOptions& options);

// Table of the first `max_rows` entries, and the skip_quant_op_names line for the ops with a
// positive gain (at most `max_list`).
std::string sensitivityTable(const SensitivityResult& result, size_t max_rows);
std::vector<std::string> sensitivitySkipList(const SensitivityResult& result, size_t max_list);
nlohmann::json sensitivityJson(const SensitivityResult& result);

}  // namespace mnnq
