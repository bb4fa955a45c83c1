#include "mnnq/core/pipeline.hpp"

#include <algorithm>
#include <thread>

namespace mnnq {

RunRequest makeRunRequest(const RunConfig& run, const PluginRegistry& registry, bool quiet) {
  RunRequest request;
  request.config = run.values;
  request.config_file = run.config_file;
  request.model_path = run.values["model"].get<std::string>();
  request.output_path = run.values["output"].get<std::string>();
  request.registry = &registry;
  request.feature_calibrator = run.feature_calibrator;
  request.weight_quantizer = run.weight_quantizer;
  request.input_source = run.input_source;
  unsigned threads = run.values["threads"].get<unsigned>();
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  request.threads = threads;
  request.shards = run.values["shards"].get<unsigned>();
  request.quiet = quiet;
  return request;
}

}  // namespace mnnq
