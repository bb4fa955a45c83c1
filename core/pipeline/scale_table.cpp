#include "scale_table.hpp"

#include "mnnq/core/config.hpp"
#include "mnnq/core/suggest.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

namespace mnnq {
namespace {

constexpr const char* kFormat = "mnnq-scale-table";
constexpr int kVersion = 1;

// JSON numbers are written with 17 significant digits, so float -> double -> text -> double
// -> float gives the same float back: a table read back reproduces the run's bytes.
nlohmann::json floats(const std::vector<float>& v) {
  nlohmann::json a = nlohmann::json::array();
  for (float x : v) a.push_back(static_cast<double>(x));
  return a;
}

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

nlohmann::json scaleTableJson(const Graph& graph, const ScaleTableInfo& info,
                              const std::vector<CalibrationTensor>& calibrated, const TensorParams& params,
                              const std::map<int, std::string>& left_float,
                              const std::vector<AppliedEqualization>& equalization,
                              const ChannelMeans& input_means) {
  nlohmann::json j;
  j["format"] = kFormat;
  j["version"] = kVersion;
  j["model"] = info.model;
  j["feature_quantize_method"] = info.feature_method;
  j["samples"] = info.samples;
  nlohmann::json tensors = nlohmann::json::array();
  for (const CalibrationTensor& c : calibrated) {
    const auto p = params.find(c.tensor);
    if (p != params.end()) {
      tensors.push_back({{"name", c.name},
                         {"scale", static_cast<double>(p->second.scale)},
                         {"zero", static_cast<double>(p->second.zero)},
                         {"min", static_cast<double>(p->second.min)},
                         {"max", static_cast<double>(p->second.max)}});
    } else {
      const auto why = left_float.find(c.tensor);
      tensors.push_back({{"name", c.name},
                         {"float", true},
                         {"reason", why == left_float.end() ? "no parameters from the calibrator" : why->second}});
    }
  }
  j["tensors"] = std::move(tensors);
  nlohmann::json eq = nlohmann::json::array();
  for (const auto& e : equalization) eq.push_back({{"tensor", graph.tensorName(e.tensor)}, {"factors", floats(e.factors)}});
  j["equalization"] = std::move(eq);
  nlohmann::json bias = nlohmann::json::array();
  for (const auto& [tensor, means] : input_means) bias.push_back({{"tensor", graph.tensorName(tensor)}, {"means", means}});
  j["bias_correction"] = std::move(bias);
  return j;
}

ScaleTableFile readScaleTableFile(const std::string& path, const Graph& graph,
                                  const std::vector<EqualizationPair>& pairs, ScaleTable& table) {
  ScaleTableFile out;
  out.file = path;
  table.file = path;
  const Checker check(path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path + ": cannot read the scale table (key 'scales_from')");
  std::ostringstream text;
  text << in.rdbuf();
  try {
    out.json = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    check.fail("", std::string("not valid JSON: ") + e.what());
  }
  const nlohmann::json& j = out.json;
  check.onlyKeys("", j, {"format", "version", "model", "feature_quantize_method", "samples", "tensors",
                         "equalization", "bias_correction"});
  if (check.string("", j, "format") != kFormat)
    check.fail("", "'format' must be \"" + std::string(kFormat) + "\" (a table written by mnnq run)");
  if (!j["version"].is_number_integer() || j["version"].get<int>() != kVersion)
    check.fail("", "'version' " + j["version"].dump() + " is not supported (this mnnq reads version " +
                       std::to_string(kVersion) + ")");
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
