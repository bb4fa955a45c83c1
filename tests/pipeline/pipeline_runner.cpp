#include "pipeline_runner.hpp"

#include "fixtures.hpp"

#include "mnnq/core/config.hpp"
#include "mnnq/core/idst_codec.hpp"
#include "mnnq/core/pipeline.hpp"
#include "mnnq/core/plugin_registry.hpp"
#include "mnnq/core/run_config.hpp"

#include <cmath>
#include <fstream>
#include <stdexcept>

namespace mnnq::test {
namespace {

nlohmann::json readJson(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  return nlohmann::json::parse(in);
}

}  // namespace

namespace {

PipelineRun runConfigValues(const nlohmann::json& values, const std::string& tag, unsigned threads,
                            const std::vector<std::string>& plugin_dirs = {}) {
  const std::string dir = tempDir("pipeline");
  const std::string config_path = dir + "/" + tag + ".json";
  std::ofstream(config_path) << values.dump(1);
  PipelineRun run;
  run.output = values.contains("output") ? values["output"].get<std::string>() : dir + "/quant.mnn";

  PluginSearchOptions search;
  search.executable_dir = buildBinDir();
  search.use_environment = false;
  search.plugin_dirs = plugin_dirs;
  PluginRegistry registry = PluginRegistry::discover(search);
  RunOverrides overrides;
  overrides.output = run.output;
  overrides.threads = static_cast<int>(threads);
  RunConfig prepared = prepareRunConfig(loadConfigFile(config_path), registry, overrides);

  RunRequest request = makeRunRequest(prepared, registry, /*quiet=*/true);
  request.summary_out = &run.summary;
  run.status = runQuantization(request);
  if (run.status != 0 && run.status != 3)
    throw std::runtime_error("runQuantization failed with status " + std::to_string(run.status));
  run.scale_dump = readJson(run.output + ".json");
  run.report = readJson(run.output + ".report.json");
  return run;
}

}  // namespace

PipelineRun runPipeline(const std::string& config, const nlohmann::json& changes,
                        unsigned threads) {
  nlohmann::json values = readJson(fixture("configs/" + config + ".json"));
  values["model"] = fixture("configs/" + values["model"].get<std::string>());
  values["path"] = fixture("images/calib");
  for (const auto& [key, value] : changes.items()) values[key] = value;
  if (changes.contains("path") && changes["path"].get<std::string>().front() != '/')
    values["path"] = fixture("images/" + changes["path"].get<std::string>());
  return runConfigValues(values, config, threads);
}

PipelineRun runPipelineWith(const std::string& model, const nlohmann::json& values,
                            unsigned threads, const std::vector<std::string>& plugin_dirs) {
  nlohmann::json config = values;
  config["model"] = model;
  return runConfigValues(config, "custom", threads, plugin_dirs);
}

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t k = 0; k < a.size() && k < b.size(); ++k) {
    ab += double(a[k]) * b[k];
    aa += double(a[k]) * a[k];
    bb += double(b[k]) * b[k];
  }
  return aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : 0.0;
}

nlohmann::json mnnScaleDump(const std::string& model, const std::string& method) {
  return readJson(fixture("mnn_quantized/" + model + "/" + method + "/quant.mnn.json"));
}

std::map<int, std::pair<float, float>> outputScales(const nlohmann::json& dump) {
  std::map<int, std::pair<float, float>> scales;
  for (const auto& op : dump) {
    if (!op.contains("outputs")) continue;
    for (const auto& out : op["outputs"]) {
      const float s = out["scales"][0].get<float>();
      if (s > 0) scales[out["tensorIndex"].get<int>()] = {s, out["zeropoint"][0].get<float>()};
    }
  }
  return scales;
}

std::map<std::string, ConvWeights> quantizedConvWeights(const std::string& model_path) {
  Graph graph = Graph::load(model_path);
  std::map<std::string, ConvWeights> convs;
  for (int i = 0; i < graph.numOps(); ++i) {
    const auto& op = graph.op(i);
    const auto* conv = op.main.AsConvolution2D();
    if (!conv || !conv->quanParameter || conv->quanParameter->buffer.empty()) continue;
    const auto& q = *conv->quanParameter;
    IdstDecoded decoded = decodeIdst(q.buffer.data(), q.buffer.size(), q.type, q.shapeInt32);
    convs[op.name] = ConvWeights{q.alpha, decoded.values};
  }
  return convs;
}

}  // namespace mnnq::test
