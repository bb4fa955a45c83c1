// Configuration shared by the input plugins: the `inputs` key (per model input: `name`, optional
// `shape` in the input's own layout, optional constant `value`), the sample count keys, and the
// model inputs as the host describes them.
#pragma once

#include <mnnq/plugin.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace mnnq::input {

struct ModelInput {
  std::string name;
  std::vector<int64_t> dims;  // as stored in the model; -1 = unknown
  mnnq_layout layout = MNNQ_LAYOUT_NCHW;
  bool channelsLast() const { return layout == MNNQ_LAYOUT_NHWC; }
};

inline std::vector<ModelInput> copyModelInputs(const std::vector<sdk::InputDesc>& descs) {
  std::vector<ModelInput> inputs;
  for (const auto& d : descs) {
    ModelInput m;
    m.name = d.name ? d.name : "";
    for (int32_t i = 0; i < d.ndim && i < MNNQ_MAX_DIMS; ++i) m.dims.push_back(d.dims[i]);
    m.layout = d.layout;
    inputs.push_back(std::move(m));
  }
  if (inputs.empty()) throw sdk::Error("the model has no inputs");
  return inputs;
}

// A structured configuration value (lists of objects, ...), parsed from the host's JSON text;
// null when the key is absent. The SDK's Config reads scalars and lists of scalars itself.
inline nlohmann::json configJson(const sdk::Config& config, const std::string& key) {
  const char* text = config.text(key);
  if (!text) return nullptr;
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw sdk::Error("config key '" + key + "' is not JSON: " + e.what());
  }
}

struct InputOverride {
  std::string name;
  std::vector<int64_t> shape;  // empty: not given
  bool hasValue = false;
  double value = 0;
};

// Parses and checks the `inputs` key; every name must be a model input.
inline std::vector<InputOverride> parseInputsKey(const sdk::Config& config,
                                                 const std::vector<ModelInput>& model) {
  std::vector<InputOverride> result;
  if (!config.has("inputs")) return result;
  const nlohmann::json list = configJson(config, "inputs");
  if (!list.is_array()) throw sdk::Error("config key 'inputs' must be a list of {name, shape}");
  for (const auto& item : list) {
    if (!item.is_object() || !item.contains("name") || !item.at("name").is_string())
      throw sdk::Error("config key 'inputs': every entry needs a string 'name', got " +
                       item.dump());
    InputOverride o;
    o.name = item.at("name").get<std::string>();
    bool known = false;
    std::string names;
    for (const auto& m : model) {
      known = known || m.name == o.name;
      names += (names.empty() ? "" : ", ") + m.name;
    }
    if (!known)
      throw sdk::Error("config key 'inputs': '" + o.name + "' is not a model input (inputs: " +
                       names + ")");
    if (item.contains("shape")) {
      const auto& s = item.at("shape");
      if (!s.is_array() || s.empty())
        throw sdk::Error("config key 'inputs': shape of '" + o.name + "' must be a list of ints");
      for (const auto& d : s) {
        if (!d.is_number_integer() || d.get<int64_t>() <= 0)
          throw sdk::Error("config key 'inputs': shape of '" + o.name +
                           "' must contain positive ints, got " + s.dump());
        o.shape.push_back(d.get<int64_t>());
      }
    }
    if (item.contains("value")) {
      if (!item.at("value").is_number())
        throw sdk::Error("config key 'inputs': value of '" + o.name + "' must be a number");
      o.hasValue = true;
      o.value = item.at("value").get<double>();
    }
    result.push_back(std::move(o));
  }
  return result;
}

inline const InputOverride* findOverride(const std::vector<InputOverride>& list,
                                         const std::string& name) {
  for (const auto& o : list)
    if (o.name == name) return &o;
  return nullptr;
}

// `used_sample_num` wins over `used_image_num` when it is set and non-zero; 0 or absent = all.
// Both are host keys (integers >= 0, checked by the host).
inline uint64_t usedSampleCount(const sdk::Config& config) {
  uint64_t chosen = 0;
  for (const char* key : {"used_image_num", "used_sample_num"}) {
    const uint64_t n = config.get<uint64_t>(key, 0);
    if (n > 0) chosen = n;
  }
  return chosen;
}

// The host keys every file-reading input source reads.
inline const char* const kSourceHostKeys[] = {"path", "used_image_num", "used_sample_num",
                                              "inputs"};

inline std::string requiredPath(const sdk::Config& config) {
  const std::string path = config.get<std::string>("path", "");
  if (path.empty()) throw sdk::Error("config key 'path' (the calibration sample folder) is not set");
  return path;
}

inline bool allKnown(const std::vector<int64_t>& dims) {
  if (dims.empty()) return false;
  for (int64_t d : dims)
    if (d <= 0) return false;
  return true;
}

// The model's stored shape with an unknown batch dimension read as 1; empty if any other
// dimension is unknown (the data must then say).
inline std::vector<int64_t> modelShapeForOneSample(const ModelInput& in) {
  std::vector<int64_t> s = in.dims;
  if (!s.empty() && s[0] <= 0) s[0] = 1;
  return allKnown(s) ? s : std::vector<int64_t>{};
}

// True if `given` can fill a tensor of shape `expected` (which has batch 1): equal shapes, or the
// same shape without the leading 1.
inline bool fitsShape(const std::vector<int64_t>& given, const std::vector<int64_t>& expected) {
  if (given == expected) return true;
  return !expected.empty() && expected[0] == 1 &&
         std::vector<int64_t>(expected.begin() + 1, expected.end()) == given;
}

// The shape a sample of shape `given` fills for a model input stored as `pattern` (dims <= 0
// unknown): every known dimension must agree; a missing leading batch dimension is read as 1.
// Returns empty if they do not agree.
inline std::vector<int64_t> completeShape(std::vector<int64_t> given,
                                          const std::vector<int64_t>& pattern) {
  if (pattern.empty()) return given;
  if (given.size() + 1 == pattern.size()) given.insert(given.begin(), 1);
  if (given.size() != pattern.size()) return {};
  for (std::size_t i = 0; i < given.size(); ++i)
    if (pattern[i] > 0 && pattern[i] != given[i]) return {};
  return given;
}

// Writes a resolved shape into the host's descriptor.
inline void writeShape(const std::vector<int64_t>& shape, sdk::InputDesc& desc) {
  if (shape.size() > MNNQ_MAX_DIMS) throw sdk::Error("shape has more than 8 dimensions");
  desc.ndim = static_cast<int32_t>(shape.size());
  for (std::size_t i = 0; i < shape.size(); ++i) desc.dims[i] = static_cast<int32_t>(shape[i]);
}

inline std::string shapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? "," : "") + std::to_string(shape[i]);
  return s + "]";
}

inline uint64_t elementCount(const std::vector<int64_t>& shape) {
  uint64_t n = 1;
  for (int64_t d : shape) n *= static_cast<uint64_t>(d);
  return n;
}

}  // namespace mnnq::input
