#include "scale_table.hpp"

#include "mnnq/core/config.hpp"
#include "mnnq/core/regular_file.hpp"
#include "mnnq/core/suggest.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

namespace mnnq {
namespace {

constexpr const char* kFormat = "mnnq-scale-table";
constexpr int kVersion = 1;

// Floats are written as the double of the same value, in the shortest text that reads back as
// that double, so float -> double -> text -> double -> float gives the same float back: a table
// read back reproduces the run's bytes.

std::string entryName(const char* list, size_t index, const nlohmann::json& entry, const char* key) {
  std::string s = std::string(list) + "[" + std::to_string(index) + "]";
  if (entry.is_object() && entry.contains(key) && entry[key].is_string())
    s += " '" + entry[key].get<std::string>() + "'";
  return s;
}

class Checker {
 public:
  explicit Checker(std::string file) : file_(std::move(file)) {}
  [[noreturn]] void fail(const std::string& where, const std::string& what) const {
    throw ConfigError(file_ + ": " + (where.empty() ? "" : where + ": ") + what);
  }
  void onlyKeys(const std::string& where, const nlohmann::json& entry, std::initializer_list<const char*> keys) const {
    if (!entry.is_object()) fail(where, "expected an object, found " + entry.dump());
    std::vector<std::string> known(keys.begin(), keys.end());
    for (const auto& [key, value] : entry.items()) {
      if (std::find(known.begin(), known.end(), key) != known.end()) continue;
      std::string message = "unknown field '" + key + "'";
      const std::string close = closestMatch(key, known);
      if (!close.empty()) message += "; did you mean '" + close + "'?";
      fail(where, message);
    }
  }
  const nlohmann::json& field(const std::string& where, const nlohmann::json& entry, const char* key) const {
    if (!entry.contains(key)) fail(where, std::string("missing field '") + key + "'");
    return entry[key];
  }
  double number(const std::string& where, const nlohmann::json& entry, const char* key) const {
    const nlohmann::json& v = field(where, entry, key);
    if (!v.is_number()) fail(where, std::string("'") + key + "' must be a number, found " + v.dump());
    const double x = v.get<double>();
    if (!std::isfinite(x)) fail(where, std::string("'") + key + "' must be finite");
    return x;
  }
  std::string string(const std::string& where, const nlohmann::json& entry, const char* key) const {
    const nlohmann::json& v = field(where, entry, key);
    if (!v.is_string()) fail(where, std::string("'") + key + "' must be a string, found " + v.dump());
    return v.get<std::string>();
  }
  const nlohmann::json& array(const std::string& where, const nlohmann::json& entry, const char* key) const {
    const nlohmann::json& v = field(where, entry, key);
    if (!v.is_array()) fail(where, std::string("'") + key + "' must be a list, found " + v.dump());
    return v;
  }
  int tensor(const std::string& where, const Graph& graph, const std::string& name) const {
    const int t = graph.findTensor(name);
    if (t >= 0) return t;
    std::vector<std::string> names;
    for (int k = 0; k < graph.numTensors(); ++k) names.push_back(graph.tensorName(k));
    std::string message = "the model has no tensor named '" + name + "'";
    const std::string close = closestMatch(name, names);
    if (!close.empty()) message += " (did you mean '" + close + "'?)";
    fail(where, message);
  }

 private:
  std::string file_;
};

}  // namespace

std::string modelFingerprint(const Graph& graph) {
  const std::vector<uint8_t> bytes = serializeNet(graph.net());
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a, 64 bits
  for (uint8_t b : bytes) {
    h ^= b;
    h *= 0x100000001b3ull;
  }
  char text[32];
  std::snprintf(text, sizeof text, "fnv1a64:%016llx", static_cast<unsigned long long>(h));
  return text;
}

nlohmann::json scaleTableConfig(const nlohmann::json& config, const std::vector<std::string>& weight_keys) {
  nlohmann::json facts = nlohmann::json::object();
  for (const char* key : {"quant_bits", "weight_quantize_method"})
    if (config.contains(key)) facts[key] = config[key];
  std::vector<std::string> skip;
  if (config.contains("skip_quant_op_names"))
    for (const auto& name : config["skip_quant_op_names"]) skip.push_back(name.get<std::string>());
  std::sort(skip.begin(), skip.end());
  skip.erase(std::unique(skip.begin(), skip.end()), skip.end());
  facts["skip_quant_op_names"] = skip;
  for (const std::string& key : weight_keys)
    if (config.contains(key)) facts[key] = config[key];
  return facts;
}

nlohmann::ordered_json scaleTableJson(const Graph& graph, const ScaleTableHeader& header,
                                      const std::vector<CalibrationTensor>& calibrated,
                                      const TensorParams& params,
                                      const std::map<int, std::string>& left_float,
                                      const std::vector<AppliedEqualization>& equalization,
                                      const ChannelMeans& input_means) {
  // Integral values (zero points, min, max) as integers, the rest as doubles.
  const auto number = [](float v) {
    return v == std::floor(v) && std::fabs(v) < 1e9f ? nlohmann::ordered_json(static_cast<long long>(v))
                                                      : nlohmann::ordered_json(static_cast<double>(v));
  };
  nlohmann::ordered_json j;
  j["format"] = kFormat;
  j["version"] = kVersion;
  j["model"] = header.model;
  j["model_fingerprint"] = header.fingerprint;
  j["config"] = nlohmann::ordered_json::parse(header.config.dump());
  j["calibration"] = nlohmann::ordered_json::parse(header.calibration.dump());
  nlohmann::ordered_json tensors = nlohmann::ordered_json::array();
  for (const CalibrationTensor& c : calibrated) {
    nlohmann::ordered_json entry;
    entry["name"] = c.name;
    const auto p = params.find(c.tensor);
    if (p != params.end()) {
      entry["scale"] = static_cast<double>(p->second.scale);
      entry["zero"] = number(p->second.zero);
      entry["min"] = number(p->second.min);
      entry["max"] = number(p->second.max);
    } else {
      const auto why = left_float.find(c.tensor);
      entry["float"] = true;
      entry["reason"] = why == left_float.end() ? "no parameters from the calibrator" : why->second;
    }
    tensors.push_back(std::move(entry));
  }
  j["tensors"] = std::move(tensors);
  nlohmann::ordered_json eq = nlohmann::ordered_json::array();
  for (const auto& e : equalization) {
    nlohmann::ordered_json entry;
    entry["tensor"] = graph.tensorName(e.tensor);
    entry["factors"] = nlohmann::ordered_json::array();
    for (float f : e.factors) entry["factors"].push_back(static_cast<double>(f));
    eq.push_back(std::move(entry));
  }
  j["equalization"] = std::move(eq);
  nlohmann::ordered_json bias = nlohmann::ordered_json::array();
  for (const auto& [tensor, means] : input_means) {
    nlohmann::ordered_json entry;
    entry["tensor"] = graph.tensorName(tensor);
    entry["means"] = means;
    bias.push_back(std::move(entry));
  }
  j["bias_correction"] = std::move(bias);
  return j;
}

std::string scaleTableText(const nlohmann::ordered_json& table) {
  // One line per member and per list entry, so a table reads and edits line by line.
  const auto dump = [](const nlohmann::ordered_json& v) {
    return v.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  };
  std::string out = "{\n";
  size_t member = 0;
  for (const auto& [key, value] : table.items()) {
    out += " " + dump(nlohmann::ordered_json(key)) + ": ";
    if (value.is_array() && !value.empty()) {
      out += "[\n";
      for (size_t i = 0; i < value.size(); ++i) out += "  " + dump(value[i]) + (i + 1 < value.size() ? ",\n" : "\n");
      out += " ]";
    } else {
      out += dump(value);
    }
    out += ++member < table.size() ? ",\n" : "\n";
  }
  return out + "}\n";
}

ScaleTableFile readScaleTableFile(const std::string& path, const Graph& graph,
                                  const ScaleTableHeader& expected,
                                  const std::vector<EqualizationPair>& pairs, ScaleTable& table) {
  ScaleTableFile out;
  out.file = path;
  table.file = path;
  const Checker check(path);
  // Read like a config file: a regular file (a FIFO would block), nesting at most 64 levels,
  // no key twice in one object, errors with line and column.
  const std::string irregular = notRegularFileReason(path);
  if (!irregular.empty())
    throw ConfigError(path + ": the scale table (key 'scales_from') " + irregular);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot read the scale table (key 'scales_from')");
  std::ostringstream text;
  text << in.rdbuf();
  try {
    out.json = parseConfigText(text.str(), ConfigFormat::Json, path);
  } catch (const ConfigError& e) {
    throw ConfigError(std::string(e.what()) + " (reading the scale table)");
  }
  const nlohmann::json& j = out.json;
  check.onlyKeys("", j, {"format", "version", "model", "model_fingerprint", "config", "calibration",
                         "tensors", "equalization", "bias_correction"});
  if (check.string("", j, "format") != kFormat)
    check.fail("", "'format' must be \"" + std::string(kFormat) + "\" (a table written by mnnq run)");
  const nlohmann::json& version = check.field("", j, "version");
  if (!version.is_number_integer() || version.get<long long>() != kVersion)
    check.fail("", "'version' " + version.dump() + " is not supported (this mnnq reads version " +
                       std::to_string(kVersion) + ")");
  if (check.string("", j, "model_fingerprint") != expected.fingerprint)
    check.fail("model_fingerprint", "the table was made for another model (" +
                                        j["model_fingerprint"].get<std::string>() + ", from '" +
                                        (j.contains("model") && j["model"].is_string() ? j["model"].get<std::string>() : std::string("?")) +
                                        "'); this run's model has " + expected.fingerprint);
  const nlohmann::json& config = check.field("", j, "config");
  if (!config.is_object()) check.fail("config", "expected an object, found " + config.dump());
  for (const auto& [key, value] : expected.config.items()) {
    if (!config.contains(key))
      check.fail("config", "missing '" + key + "' (this run uses " + value.dump() + ")");
    if (config[key] != value)
      check.fail("config." + key, "the table was made with " + config[key].dump() + ", this run uses " +
                                      value.dump() + " (it decides the written weights)");
  }
  for (const auto& [key, value] : config.items())
    if (!expected.config.contains(key))
      check.fail("config." + key, "not a setting of this run's weight quantizer (" +
                                      expected.config.value("weight_quantize_method", std::string("?")) + ")");
  if (j.contains("calibration") && !j["calibration"].is_object())
    check.fail("calibration", "expected an object, found " + j["calibration"].dump());
  check.array("", j, "tensors");
  for (const char* list : {"equalization", "bias_correction"})
    if (j.contains(list)) check.array("", j, list);

  if (j.contains("equalization")) {
    std::set<int> seen;
    const nlohmann::json& list = j["equalization"];
    for (size_t i = 0; i < list.size(); ++i) {
      const nlohmann::json& e = list[i];
      const std::string where = entryName("equalization", i, e, "tensor");
      check.onlyKeys(where, e, {"tensor", "factors"});
      const int t = check.tensor(where, graph, check.string(where, e, "tensor"));
      const EqualizationPair* pair = nullptr;
      for (const auto& p : pairs)
        if (p.tensor == t) pair = &p;
      if (!pair) check.fail(where, "not the middle tensor of a conv -> depthwise pair of this model");
      if (!seen.insert(t).second) check.fail(where, "listed twice");
      const nlohmann::json& factors = check.array(where, e, "factors");
      if (factors.size() != static_cast<size_t>(pair->channels))
        check.fail(where, "has " + std::to_string(factors.size()) + " factors, the tensor has " +
                              std::to_string(pair->channels) + " channels");
      AppliedEqualization applied;
      applied.tensor = t;
      for (size_t c = 0; c < factors.size(); ++c) {
        const double f = factors[c].is_number() ? factors[c].get<double>() : -1.0;
        if (!(f > 0) || !std::isfinite(f))
          check.fail(where, "factor " + std::to_string(c) + " must be a finite number > 0, found " + factors[c].dump());
        applied.factors.push_back(static_cast<float>(f));
      }
      table.equalization.push_back(std::move(applied));
    }
  }
  return out;
}

void checkScaleTableTensors(const ScaleTableFile& file, const Graph& graph,
                            const std::vector<CalibrationTensor>& calibrated,
                            const std::function<int(int)>& channels, ScaleTable& table) {
  const Checker check(file.file);
  std::map<int, size_t> wanted;  // calibrated tensor id -> position
  for (size_t k = 0; k < calibrated.size(); ++k) wanted[calibrated[k].tensor] = k;
  std::set<int> seen;
  const nlohmann::json& list = file.json["tensors"];
  for (size_t i = 0; i < list.size(); ++i) {
    const nlohmann::json& e = list[i];
    const std::string where = entryName("tensors", i, e, "name");
    if (!e.is_object()) check.fail(where, "expected an object, found " + e.dump());
    const int t = check.tensor(where, graph, check.string(where, e, "name"));
    if (!wanted.count(t))
      check.fail(where, "not a calibrated tensor of this run (a constant, a non-float tensor, or "
                        "touched only by ops in skip_quant_op_names)");
    if (!seen.insert(t).second) check.fail(where, "listed twice");
    if (e.contains("float")) {
      check.onlyKeys(where, e, {"name", "float", "reason"});
      if (e["float"] != true) check.fail(where, "'float' must be true (or left out to give parameters)");
      table.left_float[t] = e.contains("reason") ? check.string(where, e, "reason") : "float in the scale table";
      continue;
    }
    check.onlyKeys(where, e, {"name", "scale", "zero", "min", "max"});
    mnnq_feature_params p{};
    p.valid = 1;
    const double scale = check.number(where, e, "scale");
    if (!(scale > 0) || static_cast<float>(scale) <= 0.0f || !std::isfinite(static_cast<float>(scale)))
      check.fail(where, "'scale' must be > 0 (and a finite float), found " + e["scale"].dump() +
                            "; give {\"name\": ..., \"float\": true} to leave a tensor in float");
    const double zero = check.number(where, e, "zero");
    const double lo = check.number(where, e, "min");
    const double hi = check.number(where, e, "max");
    for (const auto& [key, v] : {std::pair<const char*, double>{"zero", zero}, {"min", lo}, {"max", hi}})
      if (v < -128 || v > 127 || v != std::floor(v))
        check.fail(where, std::string("'") + key + "' must be an integer in [-128, 127], found " + e[key].dump());
    if (lo >= hi) check.fail(where, "'min' must be below 'max'");
    p.scale = static_cast<float>(scale);
    p.zero = static_cast<float>(zero);
    p.min = static_cast<float>(lo);
    p.max = static_cast<float>(hi);
    table.params[t] = p;
  }
  for (const CalibrationTensor& c : calibrated)
    if (!seen.count(c.tensor))
      check.fail("tensors", "no entry for calibrated tensor '" + c.name +
                                "' (every calibrated tensor needs parameters or \"float\": true)");

  if (file.json.contains("bias_correction")) {
    const nlohmann::json& means = file.json["bias_correction"];
    for (size_t i = 0; i < means.size(); ++i) {
      const nlohmann::json& e = means[i];
      const std::string where = entryName("bias_correction", i, e, "tensor");
      check.onlyKeys(where, e, {"tensor", "means"});
      const int t = check.tensor(where, graph, check.string(where, e, "tensor"));
      if (table.input_means.count(t)) check.fail(where, "listed twice");
      const nlohmann::json& values = check.array(where, e, "means");
      const int n = channels(t);
      if (n <= 0 || values.size() != static_cast<size_t>(n))
        check.fail(where, "has " + std::to_string(values.size()) + " means, the tensor has " +
                              std::to_string(n) + " channels");
      std::vector<double> m;
      for (size_t c = 0; c < values.size(); ++c) {
        if (!values[c].is_number() || !std::isfinite(values[c].get<double>()))
          check.fail(where, "mean " + std::to_string(c) + " must be a finite number, found " + values[c].dump());
        m.push_back(values[c].get<double>());
      }
      table.input_means[t] = std::move(m);
    }
  }
}

}  // namespace mnnq
