#include "recalibrate.hpp"

#include "float_ops.hpp"

#include "../bias_correction.hpp"
#include "../calibrate.hpp"
#include "../calibration_tensors.hpp"
#include "../channel_stats.hpp"
#include "../compared_tensors.hpp"
#include "../equalization.hpp"
#include "../float_outputs.hpp"
#include "../fused_relu_params.hpp"
#include "../max_pool_params.hpp"
#include "../scale_sharing.hpp"

#include "mnnq/core/plugin_handles.hpp"
#include "mnnq/core/plugin_registry.hpp"

#include <cmath>
#include <optional>

namespace mnnq {

struct Recalibrator::Calibration {
  std::optional<Graph> graph;
  std::optional<Executor> executor;
  std::optional<WeightQuantizerHandle> weights;
  TensorParams params;
  std::vector<uint64_t> usable;
  bool means_done = false;
  ChannelMeans means;
  RewriteOptions plain, corrected;
  std::vector<std::pair<int, std::vector<float>>> equalization;  // factors applied
};

Recalibrator::Recalibrator(const RunRequest& request, SampleFeed& feed, const ExecutorOptions& exec_options,
                           const std::set<std::string>& skip)
    : request_(request), feed_(feed), exec_options_(exec_options), skip_(skip) {}

CalibratedModel Recalibrator::operator()(const MethodSpec& spec) {
  const std::string key = spec.feature_method + (spec.equalization ? "+cle" : "");
  std::shared_ptr<Calibration>& slot = cache_[key];
  if (!slot) {
    auto c = std::make_shared<Calibration>();
    const LoadedPlugin* plugin =
        request_.registry ? request_.registry->find(MNNQ_KIND_FEATURE_CALIBRATOR, spec.feature_method) : nullptr;
    if (!plugin) throw std::runtime_error("feature calibrator '" + spec.feature_method + "' is not loaded");
    nlohmann::json config = request_.config;
    config["feature_quantize_method"] = spec.feature_method;
    const std::string config_text = config.dump();
    c->graph.emplace(Graph::load(request_.settings.model));
    Graph& graph = *c->graph;
    if (spec.equalization) {
      const std::vector<EqualizationPair> pairs = findEqualizationPairs(graph);
      std::set<int> ranged;
      for (const auto& pair : pairs) ranged.insert(pair.tensor);
      RunContext stats_options;
      stats_options.threads = request_.settings.threads;
      stats_options.quiet = request_.quiet;
      stats_options.progress = request_.progress;
      ChannelStatsMap ranges;
      if (!pairs.empty()) {
        const Executor measuring(graph, exec_options_);
        ranges = measureChannelStats(measuring, ranged, feed_, spreadSamples(feed_.count(), 64), stats_options,
                                     "target: equalize");
      }
      for (const auto& pair : pairs) {
        const auto found = ranges.find(pair.tensor);
        if (found == ranges.end() || found->second.max_abs.size() != static_cast<size_t>(pair.channels)) continue;
        std::vector<float> factors = equalizationFactors(found->second.max_abs);
        applyEqualization(graph, pair, factors);
        c->equalization.emplace_back(pair.tensor, std::move(factors));
      }
    }
    c->executor.emplace(graph, exec_options_);
    const Executor& executor = *c->executor;
    CalibrationTensors tensors(graph, executor, skip_);
    CalibratorHandle calibrator(*plugin, config_text);
    c->weights.emplace(*request_.weight_quantizer, config_text);
    CalibrationOptions cal_options;
    cal_options.threads = request_.settings.threads;
    cal_options.shards = request_.settings.shards;
    cal_options.quiet = request_.quiet;
    cal_options.progress = request_.progress;
    CalibrationOutcome outcome = calibrate(graph, executor, tensors, calibrator, feed_, cal_options);
    c->usable = outcome.usable_samples;
    TensorParams& params = c->params;
    for (size_t i = 0; i < tensors.size(); ++i) {
      const mnnq_feature_params& p = outcome.params[i];
      if (!p.valid || !(p.scale > 0.0f) || !std::isfinite(p.scale) || !std::isfinite(p.zero)) continue;
      params[tensors.tensors()[i].tensor] = p;
    }
    if (calibrator.sharesScales()) shareScales(graph, executor.executionOrder(), params);
    zeroPointsAtFusedRelu(graph, params);
    keepComparedTensorsFloat(graph, params);
    const auto variable = [&](int t) { return executor.dtype(t) == DType::Float32 && !executor.isConstant(t); };
    keepFloatResultsFloat(graph, variable, params);
    floatSignedMaxPools(graph, params);
    keepSkippedOutputsFloat(graph, skip_, params);

    RewriteOptions& o = c->plain;
    o.bits = request_.settings.quant_bits;
    o.weight_clamp = request_.settings.weight_clamp;
    o.skip_ops = skip_;
    WeightQuantizerHandle* weights = &*c->weights;
    o.quantize_weights = [weights](const mnnq_weight_desc& d, mnnq_weight_result& r) { weights->quantize(d, r); };
    const Executor* exec = &executor;
    o.channels = [exec](int tensor) {
      const std::vector<int>& shape = exec->shape(tensor);
      if (shape.size() < 2) return -1;
      return exec->layout(tensor) == Layout::NHWC ? shape.back() : shape[1];
    };
    c->corrected = o;
    c->corrected.input_means = &c->means;
    slot = std::move(c);
  }
  Calibration& c = *slot;
  if (spec.bias_correction && !c.means_done) {
    std::set<int> conv_inputs;
    const Graph& graph = *c.graph;
    for (int i = 0; i < graph.numOps(); ++i) {
      const schema::OpT& op = graph.op(i);
      if ((op.type == schema::OpType_Convolution || op.type == schema::OpType_ConvolutionDepthwise) &&
          op.inputIndexes.size() == 1 && !op.outputIndexes.empty() && !skip_.count(op.name) &&
          c.params.count(op.inputIndexes[0]) && c.params.count(op.outputIndexes[0]))
        conv_inputs.insert(op.inputIndexes[0]);
    }
    std::vector<uint64_t> samples;
    for (uint64_t k : spreadSamples(c.usable.size(), 32)) samples.push_back(c.usable[k]);
    if (!conv_inputs.empty() && !samples.empty()) {
      RunContext mean_options;
      mean_options.threads = request_.settings.threads;
      mean_options.quiet = request_.quiet;
      mean_options.progress = request_.progress;
      for (auto& [tensor, stats] : measureChannelStats(*c.executor, conv_inputs, feed_, samples, mean_options,
                                                            "target: bias correction"))
        c.means[tensor] = std::move(stats.mean);
    }
    c.means_done = true;
  }
  CalibratedModel model;
  model.label = spec.label();
  model.feature_method = spec.feature_method;
  model.equalization = spec.equalization;
  model.bias_correction = spec.bias_correction;
  model.float_graph = &*c.graph;
  model.executor = &*c.executor;
  model.params = &c.params;
  model.rewrite = spec.bias_correction ? &c.corrected : &c.plain;
  model.equalization_factors = c.equalization;
  model.owner = slot;
  return model;
}

}  // namespace mnnq
