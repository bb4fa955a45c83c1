// The short table a run ends with: what was calibrated, what was quantized, what stayed in
// float and why, time per phase, peak memory.
#pragma once

#include "calibrate.hpp"
#include "rewrite.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace mnnq {

struct RunSummary {
  std::string model;
  std::string output;
  std::string feature_method;
  std::string weight_method;
  std::string scales_from;  // the scale table the parameters came from, "" when calibrated
  uint64_t samples_total = 0;
  uint64_t samples_used = 0;
  std::vector<SkippedSample> skipped;
  size_t tensors_calibrated = 0;   // tensors the calibrator saw
  size_t tensors_quantized = 0;    // tensors written with quantization parameters
  std::vector<std::string> tensors_without_params;  // "name: why"
  int equalized_pairs = 0;  // conv -> depthwise pairs rescaled by cross-layer equalisation
  RewriteReport rewrite;
  std::vector<PhaseTiming> phases;
  double total_seconds = 0;
  long peak_rss_kb = 0;
  std::vector<std::string> notes;
  // Quality step (quality/quality_phase.hpp): its summary lines and its report objects
  // ("quality", "sensitivity", "target"), merged into toJson().
  std::string quality_table;
  nlohmann::json quality_json = nlohmann::json::object();

  nlohmann::json toJson() const;
  std::string toTable() const;
};

// Peak resident memory of this process so far, in KiB.
long peakRssKb();

}  // namespace mnnq
