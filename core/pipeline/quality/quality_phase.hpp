// The quality step of a run, between the rewrite and the write: evaluates the quantized model
// (evaluate.hpp), ranks ops when `sensitivity` is on (sensitivity.hpp), and with
// `target_cosine` picks the best calibration and the ops to leave float (target_search.hpp).
// It only needs what a run has at that point, listed in QualityInputs, so it does not depend
// on how the driver is organised.
//
// Keys (core/config/host_keys.cpp): validation_path, validation_samples, sensitivity,
// target_cosine, max_float_conv_macs.
#pragma once

#include "evaluate.hpp"
#include "sensitivity.hpp"
#include "target_search.hpp"
#include "variants.hpp"

#include "../calibrate.hpp"
#include "../progress.hpp"
#include "../rewrite.hpp"
#include "../sample_feed.hpp"
#include "../tensor_params.hpp"

#include "mnnq/core/executor.hpp"
#include "mnnq/core/graph.hpp"
#include "mnnq/core/pipeline.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace mnnq {

// One calibrated model: what a VariantFactory needs, owned elsewhere (`owner` keeps it alive).
struct CalibratedModel {
  std::string label;  // e.g. "KL", "ADMM + equalization + bias correction"
  std::string feature_method;
  bool equalization = false;
  bool bias_correction = false;
  const Graph* float_graph = nullptr;      // as calibrated (equalised when equalization)
  const Executor* executor = nullptr;      // float executor over float_graph
  const TensorParams* params = nullptr;    // written parameters (skip list applied)
  const RewriteOptions* rewrite = nullptr; // skip_ops = skip_quant_op_names
  // Cross-layer equalisation factors applied to float_graph (per pair's middle tensor), for the
  // scale table; empty without equalisation.
  std::vector<std::pair<int, std::vector<float>>> equalization_factors;
  std::shared_ptr<void> owner;
};

// A calibration of the same model and samples with another method; the driver provides it.
struct MethodSpec {
  std::string feature_method;
  bool equalization = false;
  bool bias_correction = false;
  std::string label() const;
};
using CalibrateWith = std::function<CalibratedModel(const MethodSpec&)>;

struct QualityInputs {
  const RunRequest* request = nullptr;  // config, threads, quiet, progress, plugins
  const ExecutorOptions* exec_options = nullptr;  // the feed's input shapes
  SampleFeed* feed = nullptr;                     // calibration samples
  const std::vector<uint64_t>* usable_samples = nullptr;  // calibration samples that loaded
  CalibratedModel configured;  // the run's own calibration
  const std::set<std::string>* skip = nullptr;  // skip_quant_op_names
  CalibrateWith calibrate_with;  // for target_cosine's method stage (may be empty)
};

struct MethodTry {
  MethodSpec spec;
  double score = 0;  // QualityReport::score(): worst output's mean cosine on samples with signal
  double int8_conv_mac_share = 1;
};

struct QualityOutcome {
  std::optional<QualityReport> quality;       // of the model to write
  std::optional<SensitivityResult> sensitivity;
  // target_cosine only:
  bool target_run = false;
  double target_cosine = 0;
  double max_float_conv_macs = 0;
  std::vector<MethodTry> methods;  // tried, in order
  std::string method;              // the winner's label
  std::optional<QualityReport> quality_before;  // configured method, all int8
  std::optional<GreedyResult> greedy;
  double int8_conv_mac_share = 1;
  bool target_reached = true;
  // The model to write when it is not the driver's own rewrite (target search chose another).
  std::optional<std::vector<uint8_t>> replacement;
  RewriteReport replacement_report;
  // What the replacement was built from (for its scale table): the calibration and the ops
  // left float on top of skip_quant_op_names.
  std::optional<CalibratedModel> replacement_model;
  std::set<std::string> replacement_float_ops;
  std::vector<std::string> notes;
  // QualityEvaluator::floatReferenceProblems: the float model's own outputs look broken.
  std::vector<std::string> float_problems;
  std::vector<PhaseTiming> phases;

  std::string table() const;      // summary lines
  nlohmann::json json() const;    // the report's quality / sensitivity / target objects
};

// `written`: the bytes the run writes (its own rewrite).
QualityOutcome runQualityStep(const QualityInputs& inputs, const std::vector<uint8_t>& written);

// Exit status of a run whose quality target was not reached (the model is written).
constexpr int kExitTargetMissed = 3;

}  // namespace mnnq
