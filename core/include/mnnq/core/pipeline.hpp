// Entry point of a quantization run, called by `mnnq run` (host/cmd_run.cpp) after the
// command line and the config were validated and the plugins were selected.
#pragma once

#include "mnnq/core/plugin_registry.hpp"
#include "mnnq/core/run_config.hpp"
#include "mnnq/core/run_settings.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>

namespace mnnq {

// Thrown by runQuantization when RunRequest::cancelled returned true. No output is written.
class RunCancelled : public std::runtime_error {
 public:
  RunCancelled() : std::runtime_error("quantization interrupted") {}
};

struct RunRequest {
  // Validated config (defaults filled in, `model`/`output`/`path` absolute): what the plugins'
  // create functions receive (config.dump()). The host reads its own keys from `settings`.
  nlohmann::json config;
  RunSettings settings;      // runSettingsFrom(config)
  std::string config_file;   // absolute path of the config file, for messages
  const PluginRegistry* registry = nullptr;
  const LoadedPlugin* feature_calibrator = nullptr;  // selected by feature_quantize_method
  const LoadedPlugin* weight_quantizer = nullptr;    // selected by weight_quantize_method
  const LoadedPlugin* input_source = nullptr;        // selected by input_type
  bool quiet = false;        // --quiet: no progress output, warnings still printed

  // For callers that embed the pipeline (the Python module); the CLI leaves them empty.
  // progress: (phase, done, total) at the start and end of every phase and as samples are
  //   processed; `done` increases within a phase. Called from worker threads, one call at a time.
  std::function<void(const std::string& phase, uint64_t done, uint64_t total)> progress;
  // cancelled: polled before each sample and between phases, from any thread; once it returns
  //   true the run stops with RunCancelled before the output is written.
  std::function<bool()> cancelled;
  // summary_out: receives RunSummary::toJson() (plus "debug": the per-tensor rows when the
  //   config has debug on) when the run succeeds.
  nlohmann::json* summary_out = nullptr;
  // embedder_data: handed to every plugin object as mnnq_host::embedder_data (the Python
  //   module passes its in-memory samples to its "python" input source this way).
  const void* embedder_data = nullptr;
};

// Runs the whole quantization and writes request.settings.output. Returns the process exit
// status (0). Throws ConfigError for user mistakes found late (exit 2), ModelError /
// PluginError / std::exception for failures while running (exit 1).
int runQuantization(const RunRequest& request);

// The request for a prepared run config: its config, settings and plugins. The registry must
// outlive the request.
RunRequest makeRunRequest(const RunConfig& run, const PluginRegistry& registry, bool quiet);

}  // namespace mnnq
