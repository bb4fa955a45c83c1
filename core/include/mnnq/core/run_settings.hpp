// The host's configuration keys as typed values, read once from the validated config
// (core/config/run_settings.cpp). Defaults and ranges are not written here: validation fills
// every host key from its one declaration in core/config/host_keys.cpp before this is built.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace mnnq {

struct RunSettings {
  std::string model;   // absolute path of the float model (key `model` or --model)
  std::string output;  // absolute path of the quantized model to write
  int quant_bits = 0;    // weight bits
  int weight_clamp = 0;  // largest |integer| of quantized weights, resolved from quant_bits
  size_t input_cache_bytes = 0;  // input_cache_mb in bytes
  bool debug = false;
  bool html_report = false;  // <output>.report.html
  bool bias_correction = false;
  // Not set when the config leaves it to the feature calibrator (equalizeByDefault).
  std::optional<bool> cross_layer_equalization;
  std::string scales_from;  // absolute path of the scale table, "" = calibrate
  std::vector<std::string> skip_op_names;  // skip_quant_op_names, in the config's order
  unsigned threads = 1;  // resolved: 0 in the config = all cores; always >= 1
  unsigned shards = 1;
};

// `values` must be a validated run config (RunConfig::values): every host key present with
// its default, weight_clamp_value resolved. Throws std::logic_error otherwise.
RunSettings runSettingsFrom(const nlohmann::json& values);

}  // namespace mnnq
