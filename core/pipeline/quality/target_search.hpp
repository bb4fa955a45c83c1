// The quality target's second stage: with the calibrated model the first stage picked (the best
// of the feature calibrators, equalisation and bias correction tried by the driver), leave the
// most harmful ops in float one at a time until the worst output's mean cosine reaches the
// target or the float bound is reached.
//
//   1. Rank every candidate op by the quality with it (alone, on top of the ops already float)
//      in float: rankOpSensitivity. A fresh ranking's figures are exact for the next step.
//   2. Take the best-ranked op not tried yet whose variant keeps the int8 share of convolution
//      MACs at or above 1 - max_float_conv_macs (ops whose float output forces the convolutions
//      reading it to float count with those; an op that would cross the bound is passed over).
//      Fresh ranking: accept it if its figure beats the current one, else stop (no op helps).
//      Stale ranking (after an accepted op): evaluate the model with it float; accept if better,
//      otherwise re-rank (step 1) and go on with the fresh ranking.
//   3. Stop when the target holds, no op is left within the bound, or no op helps.
// Every figure comes from the same evaluation samples, every choice from figures computed
// in sample order, so the result does not depend on the thread count.
#pragma once

#include "evaluate.hpp"
#include "sensitivity.hpp"
#include "variants.hpp"

#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

namespace mnnq {

struct TargetOptions {
  double target_cosine = 0.99;
  double max_float_conv_macs = 0.10;  // share of convolution MACs that may run float
  unsigned threads = 1;
  bool quiet = false;
  ProgressCallback progress;
};

struct FloatChoice {
  std::string op;
  std::string type;
  double score_before = 0;  // worst output's mean cosine before this op went float
  double score_after = 0;
  double int8_conv_mac_share = 1;  // after
};

struct GreedyResult {
  bool reached = false;
  std::string stop_reason;  // why the search ended
  std::set<std::string> float_ops;     // chosen ops, on top of the already float ones
  std::vector<FloatChoice> choices;    // in the order they were accepted
  QualityReport start, quality;        // before and after
  double int8_conv_mac_share = 1;      // after
  int rankings = 0;                    // full sensitivity rankings computed
  int evaluations = 0;                 // model evaluations in all
};

GreedyResult leaveOpsFloatForTarget(const Graph& float_graph, const Executor& executor,
                                    const std::vector<int>& candidates,
                                    const std::set<std::string>& already_float,
                                    const VariantFactory& variants, const QualityEvaluator& evaluator,
                                    const QualityReport& start, double start_int8_share,
                                    const TargetOptions& options);

nlohmann::json greedyJson(const GreedyResult& result);

}  // namespace mnnq
