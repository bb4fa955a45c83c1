#include "mnnq/core/pipeline.hpp"

namespace mnnq {

RunRequest makeRunRequest(const RunConfig& run, const PluginRegistry& registry, bool quiet) {
  RunRequest request;
  request.config = run.values;
  request.settings = run.settings;
  request.config_file = run.config_file;
  request.registry = &registry;
  request.feature_calibrator = run.feature_calibrator;
  request.weight_quantizer = run.weight_quantizer;
  request.input_source = run.input_source;
  request.quiet = quiet;
  return request;
}

}  // namespace mnnq
