#include "quality_phase.hpp"

#include "float_ops.hpp"

#include "../channel_stats.hpp"
#include "../equalization.hpp"

#include "mnnq/core/model_inputs.hpp"
#include "mnnq/core/plugin_handles.hpp"

#include <chrono>
#include <cstdio>
#include <sstream>

namespace mnnq {
namespace {

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string fixed4(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.4f", v);
  return b;
}

std::string percent1(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f %%", 100.0 * v);
  return b;
}

// The evaluation samples: validation_path through the run's input plugin, or a spread subset of
// the calibration samples that loaded.
struct EvaluationSet {
  std::unique_ptr<InputSourceHandle> source;
  std::unique_ptr<SampleFeed> own_feed;
  SampleFeed* feed = nullptr;
  std::vector<uint64_t> samples;
  std::string source_name;
  std::string path;
  bool in_sample = true;
};

EvaluationSet evaluationSet(const QualityInputs& in, const Graph& float_model, size_t limit) {
  const RunRequest& request = *in.request;
  EvaluationSet set;
  if (request.config.contains("validation_path") && request.config["validation_path"].is_string()) {
    nlohmann::json values = request.config;
    values["path"] = values["validation_path"];
    for (const char* key : {"used_sample_num", "used_image_num"})
      if (values.contains(key)) values[key] = 0;
    const ModelInputs model_inputs = modelInputs(float_model);
    set.source = std::make_unique<InputSourceHandle>(*request.input_source, values.dump(), model_inputs.descs);
    set.own_feed = std::make_unique<SampleFeed>(float_model, *set.source, model_inputs.declared,
                                                static_cast<size_t>(64) << 20);
    if (request.cancelled) set.own_feed->setCancellationCheck(request.cancelled);
    const std::string where = request.config_file + ": key 'validation_path' (" +
                              values["path"].get<std::string>() + ")";
    if (set.own_feed->inputShapes() != in.exec_options->input_shapes)
      throw ConfigError(where + ": the input plugin makes inputs of another shape than for the "
                                "calibration samples");
    if (set.own_feed->count() == 0) throw ConfigError(where + ": no samples");
    set.feed = set.own_feed.get();
    set.samples = spreadSamples(set.feed->count(), limit);
    set.source_name = "validation_path";
    set.path = values["path"].get<std::string>();
    set.in_sample = false;
    return set;
  }
  set.feed = in.feed;
  const auto& usable = *in.usable_samples;
  for (uint64_t k : spreadSamples(usable.size(), limit)) set.samples.push_back(usable[k]);
  set.source_name = "calibration";
  set.path = request.config.value("path", std::string());
  set.in_sample = true;
  return set;
}

void label(QualityReport& q, const EvaluationSet& set) {
  q.source = set.source_name;
  q.path = set.path;
  q.in_sample = set.in_sample;
}

}  // namespace

std::string MethodSpec::label() const {
  std::string s = feature_method;
  if (equalization) s += " + equalization";
  if (bias_correction) s += " + bias correction";
  return s;
}

QualityOutcome runQualityStep(const QualityInputs& in, const std::vector<uint8_t>& written) {
  const RunRequest& request = *in.request;
  const nlohmann::json& config = request.config;
  QualityOutcome outcome;
  const size_t limit = config.value("validation_samples", 32);
  const bool want_sensitivity = config.value("sensitivity", false);
  outcome.target_run = config.contains("target_cosine") && config["target_cosine"].is_number();
  if (limit == 0) {
    if (want_sensitivity || outcome.target_run)
      throw ConfigError(request.config_file + ": key 'validation_samples': 0 turns evaluation off, "
                                              "which sensitivity and target_cosine need");
    return outcome;
  }
  auto started = std::chrono::steady_clock::now();

  // The float reference is the user's model as given (equalisation is an int8 device only).
  const Graph float_model = Graph::load(request.settings.model);
  EvaluationSet set = evaluationSet(in, float_model, limit);
  EvaluationOptions eval_options;
  eval_options.threads = request.settings.threads;
  eval_options.quiet = request.quiet;
  eval_options.progress = request.progress;
  const QualityEvaluator evaluator(float_model, *in.exec_options, *set.feed, set.samples, eval_options);
  if (evaluator.sampleCount() == 0)
    throw std::runtime_error("quality evaluation: none of the " + std::to_string(set.samples.size()) +
                             " evaluation samples could be loaded (" + set.path + ")");
  outcome.float_problems = evaluator.floatReferenceProblems();
  const Graph written_graph = Graph::fromBuffer(written.data(), written.size(), request.settings.output);
  QualityReport quality = evaluator.evaluate(written_graph, "evaluate");
  label(quality, set);
  outcome.phases.push_back({"evaluate", secondsSince(started), evaluator.sampleCount()});
  const CalibratedModel& configured = in.configured;
  outcome.int8_conv_mac_share = int8ConvMacShare(*configured.float_graph, *configured.executor,
                                                 written_graph.net());

  if (want_sensitivity) {
    started = std::chrono::steady_clock::now();
    const VariantFactory variants(*configured.float_graph, *configured.params, *configured.rewrite);
    const std::vector<int> candidates =
        floatCandidateOps(*configured.float_graph, *configured.executor, *configured.params, *in.skip);
    SensitivityOptions options;
    options.threads = request.settings.threads;
    options.quiet = request.quiet;
    options.progress = request.progress;
    outcome.sensitivity = rankOpSensitivity(*configured.float_graph, *configured.executor, candidates,
                                            {}, variants, evaluator, quality, options);
    outcome.phases.push_back({"sensitivity", secondsSince(started), candidates.size()});
  }

  if (!outcome.target_run) {
    outcome.quality = std::move(quality);
    return outcome;
  }

  // Quality target: 1. methods, 2. ops left float.
  outcome.target_cosine = config["target_cosine"].get<double>();
  outcome.max_float_conv_macs = config.value("max_float_conv_macs", 0.10);
  outcome.quality_before = quality;
  started = std::chrono::steady_clock::now();
  MethodSpec own{configured.feature_method, configured.equalization, configured.bias_correction};
  outcome.methods.push_back({own, quality.score(), outcome.int8_conv_mac_share});
  CalibratedModel best = configured;
  QualityReport best_quality = quality;
  std::string best_label = own.label();
  double best_share = outcome.int8_conv_mac_share;
  bool best_is_own = true;
  if (in.calibrate_with && quality.score() < outcome.target_cosine) {
    // The configured method's variants first, then the other shipped calibrators, cheapest
    // first (ADMM's iterations take several KL runs); equalisation only where the model has
    // conv -> depthwise pairs.
    std::vector<MethodSpec> specs;
    std::vector<std::string> methods{configured.feature_method};
    for (const char* name : {"KL", "PERCENTILE", "MSE", "MINMAX", "EMA", "ADMM"})
      if (name != configured.feature_method && request.registry &&
          request.registry->find(MNNQ_KIND_FEATURE_CALIBRATOR, name))
        methods.push_back(name);
    const bool has_pairs = !findEqualizationPairs(float_model).empty();
    for (const auto& m : methods)
      for (bool equalize : {false, true})
        for (bool bias : {false, true}) {
          if (equalize && !has_pairs) continue;
          MethodSpec spec{m, equalize, bias};
          if (spec.label() == own.label()) continue;
          specs.push_back(spec);
        }
    for (const auto& spec : specs) {
      if (best_quality.score() >= outcome.target_cosine) break;
      CalibratedModel model;
      try {
        model = in.calibrate_with(spec);
      } catch (const RunCancelled&) {
        throw;
      } catch (const std::exception& e) {
        // Another method failing on this model is not the run's failure: it is left out.
        outcome.notes.push_back("target: " + spec.label() + " left out: " + e.what());
        continue;
      }
      const VariantFactory variants(*model.float_graph, *model.params, *model.rewrite);
      const Graph graph = variants.build({});
      QualityReport q = evaluator.evaluate(graph, "target: " + spec.label());
      label(q, set);
      const double share = int8ConvMacShare(*model.float_graph, *model.executor, graph.net());
      outcome.methods.push_back({spec, q.score(), share});
      if (q.score() > best_quality.score()) {
        best = model;
        best_quality = q;
        best_label = spec.label();
        best_share = share;
        best_is_own = false;
      }
    }
  }
  outcome.method = best_label;
  outcome.phases.push_back({"target: methods", secondsSince(started), outcome.methods.size()});

  started = std::chrono::steady_clock::now();
  const VariantFactory variants(*best.float_graph, *best.params, *best.rewrite);
  TargetOptions options;
  options.target_cosine = outcome.target_cosine;
  options.max_float_conv_macs = outcome.max_float_conv_macs;
  options.threads = request.settings.threads;
  options.quiet = request.quiet;
  options.progress = request.progress;
  const std::vector<int> candidates =
      floatCandidateOps(*best.float_graph, *best.executor, *best.params, *in.skip);
  GreedyResult greedy = leaveOpsFloatForTarget(*best.float_graph, *best.executor, candidates, {}, variants,
                                               evaluator, best_quality, best_share, options);
  label(greedy.quality, set);
  outcome.phases.push_back({"target: ops left float", secondsSince(started),
                            static_cast<uint64_t>(greedy.evaluations)});
  outcome.target_reached = greedy.reached;
  outcome.int8_conv_mac_share = greedy.int8_conv_mac_share;
  if (!best_is_own || !greedy.float_ops.empty()) {
    outcome.replacement = variants.buildBytes(greedy.float_ops, &outcome.replacement_report);
    outcome.replacement_model = best;
    outcome.replacement_float_ops = greedy.float_ops;
  }
  outcome.quality = greedy.quality;
  outcome.greedy = std::move(greedy);
  return outcome;
}

std::string QualityOutcome::table() const {
  std::ostringstream out;
  if (quality) out << qualityTable(*quality);
  if (target_run) {
    out << "  quality target: worst output's mean cosine >= " << fixed4(target_cosine)
        << ", at most " << percent1(max_float_conv_macs) << " of convolution MACs in float\n";
    if (quality && quality->score() != quality->worstCosineMean())
      out << "    (these figures leave out the samples on which an output is empty at int8 resolution;"
             " see the notes)\n";
    if (quality_before)
      out << "    configured method " << methods.front().spec.label() << ": "
          << fixed4(quality_before->score()) << "\n";
    for (size_t i = 1; i < methods.size(); ++i)
      out << "    tried " << methods[i].spec.label() << ": " << fixed4(methods[i].score) << "\n";
    out << "    method kept: " << method << "\n";
    if (greedy) {
      for (const auto& c : greedy->choices)
        out << "    left float: " << c.type << " '" << c.op << "' (" << fixed4(c.score_before) << " -> "
            << fixed4(c.score_after) << ")\n";
      out << "    int8 share of convolution MACs: " << percent1(int8_conv_mac_share) << "\n";
      out << "    quality before -> after: "
          << fixed4(quality_before ? quality_before->score() : 0) << " -> "
          << fixed4(quality ? quality->score() : 0) << " ("
          << (target_reached ? "target reached" : "TARGET NOT REACHED: " + greedy->stop_reason) << ")\n";
    }
  }
  if (sensitivity) out << sensitivityTable(*sensitivity, 15);
  return out.str();
}

nlohmann::json QualityOutcome::json() const {
  nlohmann::json j = nlohmann::json::object();
  j["quality"] = quality ? qualityJson(*quality) : nlohmann::json(nullptr);
  j["sensitivity"] = sensitivity ? sensitivityJson(*sensitivity) : nlohmann::json(nullptr);
  if (!target_run) {
    j["target"] = nullptr;
    return j;
  }
  nlohmann::json t;
  t["target_cosine"] = target_cosine;
  t["max_float_conv_macs"] = max_float_conv_macs;
  t["reached"] = target_reached;
  nlohmann::json tried = nlohmann::json::array();
  for (const auto& m : methods)
    tried.push_back({{"method", m.spec.label()},
                     {"feature_quantize_method", m.spec.feature_method},
                     {"cross_layer_equalization", m.spec.equalization},
                     {"bias_correction", m.spec.bias_correction},
                     {"worst_cosine_mean", m.score},
                     {"int8_conv_mac_share", m.int8_conv_mac_share}});
  t["methods"] = tried;
  t["method"] = method;
  t["quality_before"] = quality_before ? qualityJson(*quality_before) : nlohmann::json(nullptr);
  t["quality_after"] = quality ? qualityJson(*quality) : nlohmann::json(nullptr);
  if (greedy) {
    const nlohmann::json g = greedyJson(*greedy);
    t["ops_left_float"] = g["ops_left_float"];
    t["stop_reason"] = g["stop_reason"];
    t["rankings"] = g["rankings"];
    t["evaluations"] = g["evaluations"];
  }
  t["int8_conv_mac_share"] = int8_conv_mac_share;
  j["target"] = std::move(t);
  return j;
}

}  // namespace mnnq
