// Everything a run needs to know before it starts: the config validated against the host keys
// and the keys of the three selected plugins (feature_quantize_method, weight_quantize_method,
// input_type), with command-line overrides applied. Used by `mnnq run` and by tests.
#pragma once

#include "mnnq/core/config.hpp"
#include "mnnq/core/plugin_registry.hpp"
#include "mnnq/core/run_settings.hpp"

#include <optional>
#include <string>
#include <vector>

namespace mnnq {

struct RunOverrides {
  std::optional<std::string> model;   // --model: relative to the current folder
  std::optional<std::string> output;  // --output: relative to the current folder
  std::optional<int> threads;         // --threads
  std::string threads_option = "--threads";  // how the caller names it in messages
};

struct RunConfig {
  // Validated config object: every host key and every key of the selected plugins present
  // (defaults filled in), `model`, `output`, `path` absolute, `used_sample_num` the effective
  // sample limit (used_sample_num if given, else used_image_num; 0 = all).
  nlohmann::json values;
  RunSettings settings;  // the host's keys of `values`, typed
  std::string config_file;
  const LoadedPlugin* feature_calibrator = nullptr;
  const LoadedPlugin* weight_quantizer = nullptr;
  const LoadedPlugin* input_source = nullptr;
  std::vector<std::string> notes;
};

// Throws ConfigError (exit status 2) for every problem: unknown method, bad key, missing
// model/output/path, weight_clamp_value above what quant_bits can hold, malformed `inputs`,
// a threads override outside the `threads` key's range.
RunConfig prepareRunConfig(const ConfigFile& file, const PluginRegistry& registry,
                           const RunOverrides& overrides);

}  // namespace mnnq
