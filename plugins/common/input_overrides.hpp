// Configuration shared by the input plugins: the `inputs` key (per model input: `name`, optional
// `shape` in the input's own layout, optional constant `value`), the sample count keys, and the
// model inputs as the host describes them.
#pragma once

#include <mnnq/plugin.hpp>

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
  const auto& list = config.json().at("inputs");
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
inline uint64_t usedSampleCount(const sdk::Config& config) {
  uint64_t chosen = 0;
  for (const char* key : {"used_image_num", "used_sample_num"}) {
    if (!config.has(key)) continue;
    const auto& v = config.json().at(key);
    if (!v.is_number_integer() || v.get<int64_t>() < 0)
      throw sdk::Error(std::string("config key '") + key + "' must be an integer >= 0, got " +
                       v.dump());
    if (v.get<int64_t>() > 0) chosen = v.get<uint64_t>();
  }
  return chosen;
}

inline std::string requiredPath(const sdk::Config& config) {
  if (!config.has("path") || !config.json().at("path").is_string() ||
      config.json().at("path").get<std::string>().empty())
    throw sdk::Error("config key 'path' (the calibration sample folder) is not set");
  return config.json().at("path").get<std::string>();
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
