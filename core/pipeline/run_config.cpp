// Turning a config file plus command-line overrides into a validated run description: which
// plugins run, and the complete config they receive. Lives above config/ and plugin/, which
// know nothing of each other.
#include "mnnq/core/run_config.hpp"

#include "mnnq/core/suggest.hpp"

#include <algorithm>
#include <filesystem>
#include <set>

namespace fs = std::filesystem;

namespace mnnq {
namespace {

const ConfigKeySpec& hostSpec(const std::string& name) {
  for (const auto& spec : hostConfigKeys())
    if (spec.name == name) return spec;
  throw std::logic_error("no host key " + name);
}

// The plugin named by a method key, e.g. feature_quantize_method -> KL.
const LoadedPlugin& selectPlugin(const ConfigFile& file, const nlohmann::json& raw,
                                 const std::string& key, mnnq_kind kind,
                                 const PluginRegistry& registry) {
  const ConfigKeySpec& spec = hostSpec(key);
  nlohmann::json value = raw.contains(key) ? raw.at(key) : spec.default_value;
  std::string problem = checkValue(spec, value);
  if (!problem.empty()) throw ConfigError(file.path + ": key '" + key + "': " + problem);
  try {
    return registry.require(kind, value.get<std::string>(), key);
  } catch (const ConfigError& e) {
    throw ConfigError(file.path + ": " + e.what());
  }
}

void checkInputs(const nlohmann::json& inputs, const std::string& source) {
  auto where = [&](size_t i) { return source + ": inputs[" + std::to_string(i) + "]"; };
  if (!inputs.is_array())
    throw ConfigError(source + ": key 'inputs': expected a list of {name, shape, value}, given " +
                      inputs.dump());
  std::set<std::string> names;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const auto& entry = inputs[i];
    if (!entry.is_object()) throw ConfigError(where(i) + ": expected an object {name, shape, value}");
    for (const auto& [field, value] : entry.items()) {
      if (field == "name" || field == "shape" || field == "value") continue;
      std::string suggestion = closestMatch(field, {"name", "shape", "value"});
      throw ConfigError(where(i) + ": unknown field '" + field + "'" +
                        (suggestion.empty() ? "" : "; did you mean '" + suggestion + "'?"));
    }
    if (!entry.contains("name") || !entry["name"].is_string())
      throw ConfigError(where(i) + ": 'name' (the model input's name) must be a string");
    if (!names.insert(entry["name"].get<std::string>()).second)
      throw ConfigError(where(i) + ": input '" + entry["name"].get<std::string>() +
                        "' is listed twice");
    if (entry.contains("shape")) {
      const auto& shape = entry["shape"];
      bool ok = shape.is_array() && !shape.empty() && shape.size() <= MNNQ_MAX_DIMS;
      for (const auto& d : shape) ok = ok && d.is_number_integer() && d.get<long long>() > 0;
      if (!ok)
        throw ConfigError(where(i) + ": 'shape' must be a list of 1 to " +
                          std::to_string(MNNQ_MAX_DIMS) + " positive integers, given " +
                          shape.dump());
    }
  }
}

std::string absoluteFromCurrentFolder(const std::string& path) {
  return fs::absolute(fs::path(path)).lexically_normal().string();
}

}  // namespace

RunConfig prepareRunConfig(const ConfigFile& file, const PluginRegistry& registry,
                           const RunOverrides& overrides) {
  RunConfig run;
  run.config_file = file.path;
  nlohmann::json raw = file.values;
  if (overrides.threads) {
    // Checked against the one declaration of `threads` (host_keys.cpp), named as the caller
    // gave it.
    const nlohmann::json value = *overrides.threads;
    const std::string problem = checkValue(hostSpec("threads"), value);
    if (!problem.empty()) throw ConfigError(overrides.threads_option + ": " + problem);
    raw["threads"] = value;
  }

  run.feature_calibrator = &selectPlugin(file, raw, "feature_quantize_method",
                                         MNNQ_KIND_FEATURE_CALIBRATOR, registry);
  run.weight_quantizer = &selectPlugin(file, raw, "weight_quantize_method",
                                       MNNQ_KIND_WEIGHT_QUANTIZER, registry);
  run.input_source = &selectPlugin(file, raw, "input_type", MNNQ_KIND_INPUT_SOURCE, registry);

  ConfigSchema schema;
  schema.active = hostConfigKeys();
  for (const LoadedPlugin* plugin : {run.input_source, run.feature_calibrator, run.weight_quantizer})
    for (const auto& key : plugin->keys()) schema.active.push_back(key);
  for (const auto& plugin : registry.plugins()) {
    const LoadedPlugin* p = plugin.get();
    if (p == run.input_source || p == run.feature_calibrator || p == run.weight_quantizer) continue;
    for (const auto& key : p->keys()) schema.passive.push_back(key);
  }

  ValidatedConfig validated = validateConfig(raw, file.path, file.folder, schema);
  nlohmann::json& values = validated.values;
  run.notes = validated.notes;

  if (overrides.model) values["model"] = absoluteFromCurrentFolder(*overrides.model);
  if (overrides.output) values["output"] = absoluteFromCurrentFolder(*overrides.output);
  if (!values.contains("model"))
    throw ConfigError(file.path + ": no model to quantize: set key 'model' or give --model");
  if (!values.contains("output"))
    throw ConfigError(file.path + ": no output file: set key 'output' or give --output");
  // Sources that read files declare `path`; an in-process one (Python samples) has none.
  if (!values.contains("path") && run.input_source->readsKey("path"))
    throw ConfigError(file.path + ": key 'path' (folder of calibration samples) is required");
  if (values["model"] == values["output"])
    throw ConfigError(file.path + ": output " + values["output"].get<std::string>() +
                      " would overwrite the model; choose another output file");

  int bits = values["quant_bits"].get<int>();
  int weight_limit = (1 << (bits - 1)) - 1;
  if (!values.contains("weight_clamp_value")) {
    values["weight_clamp_value"] = weight_limit;
  } else if (values["weight_clamp_value"].get<double>() > weight_limit) {
    throw ConfigError(file.path + ": key 'weight_clamp_value': expected at most " +
                      std::to_string(weight_limit) + " (2^(quant_bits-1)-1 for quant_bits " +
                      std::to_string(bits) + "), given " + values["weight_clamp_value"].dump());
  }
  // Integral doubles (127.0) become integers so plugins may read them with get<int>.
  for (const char* key : {"quant_bits", "feature_clamp_value", "weight_clamp_value", "threads",
                          "shards", "used_image_num", "used_sample_num", "input_cache_mb"})
    values[key] = static_cast<long long>(values[key].get<double>());

  // MNN: used_sample_num wins over used_image_num when both are given.
  if (!raw.contains("used_sample_num")) values["used_sample_num"] = values["used_image_num"];

  if (values.contains("scales_from") && values.contains("target_cosine"))
    throw ConfigError(file.path + ": keys 'scales_from' and 'target_cosine' cannot be combined: the "
                      "quality target calibrates other methods, a scale table replaces calibration");

  checkInputs(values["inputs"], file.path);
  run.values = values;
  run.settings = runSettingsFrom(values);
  return run;
}

}  // namespace mnnq
