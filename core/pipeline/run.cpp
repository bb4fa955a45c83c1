// runQuantization: model -> graph -> calibration -> scales -> rewritten model -> file.
#include "mnnq/core/pipeline.hpp"

#include "calibrate.hpp"
#include "bias_correction.hpp"
#include "calibration_tensors.hpp"
#include "channel_stats.hpp"
#include "compared_tensors.hpp"
#include "debug_report.hpp"
#include "equalization.hpp"
#include "float_model_check.hpp"
#include "float_outputs.hpp"
#include "fused_relu_params.hpp"
#include "max_pool_params.hpp"
#include "progress.hpp"
#include "rewrite.hpp"
#include "run_summary.hpp"
#include "sample_feed.hpp"
#include "scale_dump.hpp"
#include "scale_sharing.hpp"

#include "mnnq/core/config_key.hpp"
#include "mnnq/core/executor.hpp"
#include "mnnq/core/graph.hpp"
#include "mnnq/core/model_inputs.hpp"
#include "mnnq/core/output_set.hpp"
#include "mnnq/core/plugin_handles.hpp"
#include "mnnq/core/suggest.hpp"

#include <boost/filesystem.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <set>

namespace mnnq {
namespace {

class Stopwatch {
 public:
  double lap() {
    auto now = std::chrono::steady_clock::now();
    double s = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    return s;
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

std::set<std::string> skipOps(const RunRequest& request, const Graph& graph) {
  std::set<std::string> skip;
  if (!request.config.contains("skip_quant_op_names")) return skip;
  std::vector<std::string> names;
  for (int i = 0; i < graph.numOps(); ++i) names.push_back(graph.op(i).name);
  for (const auto& value : request.config["skip_quant_op_names"]) {
    const std::string name = value.get<std::string>();
    if (graph.findOp(name) < 0) {
      std::string message = request.config_file + ": key 'skip_quant_op_names': the model has no op named '" +
                            name + "'";
      const std::string close = closestMatch(name, names);
      if (!close.empty()) message += " (did you mean '" + close + "'?)";
      throw ConfigError(message);
    }
    skip.insert(name);
  }
  return skip;
}

bool hasOpType(const Graph& graph, schema::OpType type) {
  for (int i = 0; i < graph.numOps(); ++i)
    if (graph.op(i).type == type) return true;
  return false;
}

int channelsOf(const Executor& executor, int tensor) {
  const std::vector<int>& shape = executor.shape(tensor);
  if (shape.size() < 2) return -1;
  return executor.layout(tensor) == Layout::NHWC ? shape.back() : shape[1];
}

// Side files' text. Invalid UTF-8 in names (op and tensor names are bytes) is replaced, so
// serialising cannot fail after the model was computed.
std::string jsonText(const nlohmann::json& value) {
  return value.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

// The steps outside the sample loops, as one-step phases for RunRequest::progress, with the
// cancellation check between them.
class Step {
 public:
  Step(const RunRequest& request, std::string phase) : request_(request), phase_(std::move(phase)) {
    if (request_.cancelled && request_.cancelled()) throw RunCancelled();
    if (request_.progress) request_.progress(phase_, 0, 1);
  }
  void done() {
    if (request_.progress) request_.progress(phase_, 1, 1);
  }

 private:
  const RunRequest& request_;
  std::string phase_;
};

}  // namespace

int runQuantization(const RunRequest& request) {
  Stopwatch watch;
  const auto started = std::chrono::steady_clock::now();
  RunSummary summary;
  summary.model = request.model_path;
  summary.output = request.output_path;
  summary.feature_method = request.feature_calibrator->name();
  summary.weight_method = request.weight_quantizer->name();
  const std::string config_text = request.config.dump();

  // 1. Model.
  Step load_step(request, "load model and plugins");
  try {  // a device node or folder at the output path: refused now, not after the run
    OutputSet::checkTarget(request.output_path);
  } catch (const OutputError& e) {
    throw ModelError(e.what());
  }
  Graph graph = Graph::load(request.model_path);
  requireFloatModel(graph);
  const std::set<std::string> skip = skipOps(request, graph);
  if (hasOpType(graph, schema::OpType_BatchNorm))
    summary.notes.push_back("the model has BatchNorm ops: MNN's tool would silently switch to "
                            "EMA; mnnq keeps " + summary.feature_method +
                            " and runs BatchNorm with its stored statistics");

  // 2. Plugins and samples.
  ModelInputs model_inputs = modelInputs(graph);
  InputSourceHandle source(*request.input_source, config_text, model_inputs.descs);
  const size_t cache_bytes =
      static_cast<size_t>(request.config.value("input_cache_mb", 512)) * 1024 * 1024;
  SampleFeed feed(graph, source, model_inputs.declared, cache_bytes);
  if (request.cancelled) feed.setCancellationCheck(request.cancelled);
  summary.samples_total = feed.count();
  ExecutorOptions exec_options;
  exec_options.input_shapes = feed.inputShapes();
  CalibratorHandle calibrator(*request.feature_calibrator, config_text);
  WeightQuantizerHandle weights(*request.weight_quantizer, config_text);
  summary.phases.push_back({"load model and plugins", watch.lap(), 0});
  load_step.done();

  // 2b. Cross-layer equalisation of depthwise inputs (equalization.hpp), before calibration:
  //     every pass, the scales and the written weights see the equalised model, which computes
  //     the same float function as the original.
  // Default: on, except with KL, whose default run reproduces quantized.out's scales (with it,
  // rfb320 gains but ppocr_cls loses a little; README, "mnnq and quantized.out").
  const bool equalize = request.config.contains("cross_layer_equalization")
                            ? request.config["cross_layer_equalization"].get<bool>()
                            : summary.feature_method != "KL";
  const std::vector<EqualizationPair> pairs = findEqualizationPairs(graph);
  if (!equalize && !pairs.empty() && !request.config.contains("cross_layer_equalization"))
    summary.notes.push_back(std::to_string(pairs.size()) +
                            " conv -> depthwise pair(s) left as they are: "
                            "cross_layer_equalization is off by default with KL (with true: "
                            "rfb320 0.985 -> 0.990, ppocr_cls 0.934 -> 0.930; see README)");
  if (equalize && !pairs.empty()) {
    std::set<int> ranged;
    for (const auto& pair : pairs) ranged.insert(pair.tensor);
    // Channel ranges from a spread subset: the factors only need each channel's order of
    // magnitude, and the pass should stay small next to calibration.
    constexpr size_t kEqualizationSamples = 64;
    const std::vector<uint64_t> samples = spreadSamples(feed.count(), kEqualizationSamples);
    ChannelStatsOptions stats_options;
    stats_options.phase = "equalize";
    stats_options.threads = request.threads;
    stats_options.quiet = request.quiet;
    stats_options.progress = request.progress;
    ChannelStatsMap ranges;
    {
      const Executor measuring(graph, exec_options);
      ranges = measureChannelStats(measuring, ranged, feed, samples, stats_options);
    }
    int applied = 0;
    for (const auto& pair : pairs) {
      const auto found = ranges.find(pair.tensor);
      if (found == ranges.end() ||
          found->second.max_abs.size() != static_cast<size_t>(pair.channels))
        continue;
      applyEqualization(graph, pair, equalizationFactors(found->second.max_abs));
      ++applied;
    }
    summary.equalized_pairs = applied;
    summary.phases.push_back({"equalize", watch.lap(), samples.size()});
  }
  Executor executor(graph, exec_options);
  CalibrationTensors tensors(graph, executor, skip);

  // 3. Calibration.
  CalibrationOptions cal_options;
  cal_options.threads = request.threads;
  cal_options.shards = request.shards;
  cal_options.quiet = request.quiet;
  cal_options.progress = request.progress;
  CalibrationOutcome outcome = calibrate(graph, executor, tensors, calibrator, feed, cal_options);
  // The calibrator's final computation (KL's threshold search, ADMM's iterations) is the part
  // of the calibration time not spent in the passes.
  double compute_seconds = watch.lap();
  for (const auto& p : outcome.passes) compute_seconds -= p.seconds;
  summary.samples_used = outcome.samples_used;
  summary.skipped = outcome.skipped;
  for (const auto& s : outcome.skipped)
    std::fprintf(stderr, "warning: skipped sample %s: %s\n", s.name.c_str(), s.reason.c_str());
  for (const auto& p : outcome.passes) summary.phases.push_back(p);
  summary.phases.push_back({"compute scales", std::max(0.0, compute_seconds), tensors.size()});
  for (const auto& n : outcome.notes) summary.notes.push_back(n);
  summary.tensors_calibrated = tensors.size();

  // 4. Parameters per graph tensor. A tensor without a usable range (constant zero, say)
  //    stays float rather than getting MNN's scale 0.
  TensorParams params;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const mnnq_feature_params& p = outcome.params[i];
    if (!p.valid) continue;
    if (!(p.scale > 0.0f) || !std::isfinite(p.scale) || !std::isfinite(p.zero)) {
      summary.tensors_without_params.push_back(tensors.tensors()[i].name +
                                               ": no usable range (scale " +
                                               std::to_string(p.scale) + ")");
      continue;
    }
    params[tensors.tensors()[i].tensor] = p;
  }
  if (calibrator.sharesScales()) shareScales(graph, executor.executionOrder(), params);
  if (const int n = zeroPointsAtFusedRelu(graph, params))
    summary.notes.push_back(std::to_string(n) +
                            " BinaryOp output(s) with a fused ReLU given zero point 0 (MNN's int8 "
                            "BinaryOp clamps at int8 0, not at the zero point)");
  for (const auto& name : keepComparedTensorsFloat(graph, params))
    summary.tensors_without_params.push_back(name + ": compared by the model (int8 would create ties)");
  const auto variable = [&](int t) {
    return executor.dtype(t) == DType::Float32 && !executor.isConstant(t);
  };
  for (const auto& name : keepFloatResultsFloat(graph, variable, params))
    summary.tensors_without_params.push_back(
        name + ": computed in float and only copied to a graph output (int8 would only lose precision)");
  if (const auto pools = floatSignedMaxPools(graph, params); !pools.empty()) {
    std::string list;
    for (const auto& name : pools) list += (list.empty() ? "" : ", ") + name;
    summary.notes.push_back(std::to_string(pools.size()) +
                            " max pooling op(s) left to run in float (" + list +
                            "): their int8 input can be negative, and MNN's x86 int8 max pooling "
                            "then returns wrong maxima (it ranks every negative value above every "
                            "non-negative one)");
  }
  summary.tensors_quantized = params.size();

  // Optional per-tensor error report, before the (long) rewrite so it reflects exactly the
  // parameters that are written.
  std::vector<DebugRow> debug_rows;
  OutputSet outputs;  // side files first, the model last (README, "Output files")
  if (request.config.value("debug", false)) {
    DebugOptions debug_options;
    debug_options.threads = request.threads;
    debug_options.quiet = request.quiet;
    debug_options.progress = request.progress;
    debug_rows =
        debugReport(graph, executor, params, feed, outcome.usable_samples, debug_options);
    if (!request.quiet) std::cout << debugTable(debug_rows, 20);
    // published with the model (step 7)
    outputs.add(request.output_path + ".debug.csv", debugCsv(debug_rows));
    outputs.add(request.output_path + ".debug.json", jsonText(debugJson(debug_rows)));
    summary.phases.push_back({"debug report", watch.lap(), outcome.usable_samples.size()});
  }

  // 5. Input means of the convolutions that will be quantized, for bias correction: float
  //    forwards over up to kBiasSamples usable samples spread over the set.
  ChannelMeans input_means;
  const bool bias_correction = request.config.value("bias_correction", false);
  if (bias_correction) {
    std::set<int> conv_inputs;
    for (int i = 0; i < graph.numOps(); ++i) {
      const schema::OpT& op = graph.op(i);
      if ((op.type == schema::OpType_Convolution || op.type == schema::OpType_ConvolutionDepthwise) &&
          op.inputIndexes.size() == 1 && !op.outputIndexes.empty() && !skip.count(op.name) &&
          params.count(op.inputIndexes[0]) && params.count(op.outputIndexes[0]))
        conv_inputs.insert(op.inputIndexes[0]);
    }
    constexpr size_t kBiasSamples = 32;
    const auto& usable = outcome.usable_samples;
    std::vector<uint64_t> samples;
    for (uint64_t k : spreadSamples(usable.size(), kBiasSamples)) samples.push_back(usable[k]);
    if (!conv_inputs.empty() && !samples.empty()) {
      ChannelStatsOptions mean_options;
      mean_options.phase = "bias correction";
      mean_options.threads = request.threads;
      mean_options.quiet = request.quiet;
      mean_options.progress = request.progress;
      for (auto& [tensor, stats] :
           measureChannelStats(executor, conv_inputs, feed, samples, mean_options))
        input_means[tensor] = std::move(stats.mean);
      summary.phases.push_back({"bias correction", watch.lap(), samples.size()});
    }
  }

  // 6. Rewrite a copy of the net (the graph stays the untouched source for the scale dump).
  Step rewrite_step(request, "quantize weights, rewrite");
  std::vector<uint8_t> source_bytes = serializeNet(graph.net());
  Graph rewritten = Graph::fromBuffer(source_bytes.data(), source_bytes.size(), graph.source());
  RewriteOptions rewrite_options;
  rewrite_options.bits = request.config.value("quant_bits", 8);
  rewrite_options.weight_clamp =
      request.config.value("weight_clamp_value", (1 << (rewrite_options.bits - 1)) - 1);
  rewrite_options.skip_ops = skip;
  rewrite_options.quantize_weights = [&](const mnnq_weight_desc& d, mnnq_weight_result& r) {
    weights.quantize(d, r);
  };
  rewrite_options.channels = [&](int tensor) { return channelsOf(executor, tensor); };
  if (bias_correction) rewrite_options.input_means = &input_means;
  summary.rewrite = rewriteQuantized(rewritten.net(), params, rewrite_options);
  summary.phases.push_back({"quantize weights, rewrite", watch.lap(),
                            static_cast<uint64_t>(summary.rewrite.convolutions_quantized)});
  rewrite_step.done();

  // 7. Everything that can fail before anything is published: serialise, read the bytes back
  //    to prove they are a loadable model, then publish the model and its side files together.
  Step write_step(request, "write and verify");
  std::vector<uint8_t> model_bytes = serializeNet(rewritten.net());
  Graph written = Graph::fromBuffer(model_bytes.data(), model_bytes.size(), request.output_path);
  const int expected_ops = graph.numOps() - summary.rewrite.activations_folded;
  if (written.numOps() != expected_ops)
    throw std::runtime_error("verification of " + request.output_path + " failed: " +
                             std::to_string(written.numOps()) + " ops read back, " +
                             std::to_string(expected_ops) + " written");
  outputs.add(request.output_path + ".json", jsonText(scaleDump(graph, params)));
  outputs.add(request.output_path, std::move(model_bytes));
  try {
    outputs.publish();
  } catch (const OutputError& e) {
    throw ModelError(e.what());  // "model files that cannot be written" (Python's ModelError)
  }
  summary.phases.push_back({"write and verify", watch.lap(), 0});
  write_step.done();

  summary.total_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  summary.peak_rss_kb = peakRssKb();
  if (!request.quiet) std::cout << summary.toTable() << std::flush;
  if (request.summary_out) {
    *request.summary_out = summary.toJson();
    if (request.config.value("debug", false)) (*request.summary_out)["debug"] = debugJson(debug_rows);
  }
  return 0;
}

}  // namespace mnnq
