#include "mnnq/core/run_settings.hpp"

#include <algorithm>
#include <stdexcept>
#include <thread>

namespace mnnq {
namespace {

// A missing key here means validation did not run: a programming error, not a user's.
const nlohmann::json& required(const nlohmann::json& values, const char* key) {
  const auto found = values.find(key);
  if (found == values.end())
    throw std::logic_error(std::string("run settings: validated config lacks key '") + key + "'");
  return *found;
}

}  // namespace

RunSettings runSettingsFrom(const nlohmann::json& values) {
  RunSettings s;
  s.model = required(values, "model").get<std::string>();
  s.output = required(values, "output").get<std::string>();
  s.quant_bits = required(values, "quant_bits").get<int>();
  s.weight_clamp = required(values, "weight_clamp_value").get<int>();
  s.input_cache_bytes = required(values, "input_cache_mb").get<size_t>() * 1024 * 1024;
  s.debug = required(values, "debug").get<bool>();
  s.html_report = required(values, "html_report").get<bool>();
  s.bias_correction = required(values, "bias_correction").get<bool>();
  if (values.contains("cross_layer_equalization"))
    s.cross_layer_equalization = values["cross_layer_equalization"].get<bool>();
  if (values.contains("scales_from")) s.scales_from = values["scales_from"].get<std::string>();
  for (const auto& name : required(values, "skip_quant_op_names"))
    s.skip_op_names.push_back(name.get<std::string>());
  s.threads = required(values, "threads").get<unsigned>();
  if (s.threads == 0) s.threads = std::max(1u, std::thread::hardware_concurrency());
  s.shards = required(values, "shards").get<unsigned>();
  return s;
}

}  // namespace mnnq
