#include "recalibrate.hpp"

#include "../phases/phases.hpp"

#include "mnnq/core/plugin_host.hpp"
#include "mnnq/core/plugin_registry.hpp"

namespace mnnq {
namespace {

std::string keyOf(const std::string& method, bool equalization) {
  return method + (equalization ? " +cle" : "");
}

}  // namespace

struct Recalibrator::Calibration {
  RunRequest request;  // the run's, with this calibration's method and switches
  std::unique_ptr<RunState> state;
  RewriteOptions plain, corrected;
  bool means_done = false;
};

Recalibrator::Recalibrator(const RunState& run) : run_(run) {}

CalibratedModel Recalibrator::operator()(const MethodSpec& spec) {
  std::shared_ptr<Calibration>& slot = cache_[keyOf(spec.feature_method, spec.equalization)];
  if (!slot) {
    const RunRequest& own = run_.request;
    const LoadedPlugin* plugin =
        own.registry ? own.registry->find(MNNQ_KIND_FEATURE_CALIBRATOR, spec.feature_method) : nullptr;
    if (!plugin) throw std::runtime_error("feature calibrator '" + spec.feature_method + "' is not loaded");
    auto c = std::make_shared<Calibration>();
    c->request = own;
    c->request.feature_calibrator = plugin;
    c->request.config["feature_quantize_method"] = spec.feature_method;
    c->request.settings.cross_layer_equalization = spec.equalization;
    c->request.settings.bias_correction = false;  // the means are added on demand below
    c->request.summary_out = nullptr;
    const RunSettings& settings = c->request.settings;
    c->state = std::make_unique<RunState>(c->request);
    RunState& state = *c->state;
    state.warn_skipped_samples = false;
    state.skip_ops = run_.skip_ops;
    state.feed = run_.feed;
    state.exec_options = run_.exec_options;
    const RunContext context = RunContext::of(c->request);
    HostOptions host;  // as phase load gives the run's plugins
    host.threads = context.threads;
    host.quiet = context.quiet;
    host.embedder_data = c->request.embedder_data;
    state.calibrator.emplace(*plugin, state.config_text, host);
    state.weights.emplace(*c->request.weight_quantizer, state.config_text, host);
    const bool run_equalized = run_.summary.equalized_pairs > 0;
    if (!run_.table && spec.feature_method == run_.summary.feature_method && spec.equalization == run_equalized) {
      // The run's own calibration: the phases below would compute exactly this again. (Not
      // with scales_from: the run's parameters came from its table, not from the calibrator.)
      state.graph.emplace(run_.graph->clone());
      state.executor.emplace(*state.graph, state.exec_options);
      state.tensors.emplace(*state.graph, *state.executor, state.skip_ops);
      state.equalization = run_.equalization;
      state.outcome = run_.outcome;
      state.params = run_.params;
      if (!run_.input_means.empty()) {
        state.input_means = run_.input_means;
        c->means_done = true;
      }
    } else {
      state.graph.emplace(Graph::load(settings.model));
      phases::equalize(context, settings, state);
      phases::calibrate(context, settings, state);
      phases::assignParams(context, settings, state);
    }
    c->plain = phases::rewriteOptions(settings, state);
    c->plain.input_means = nullptr;  // rewriteOptions adds the means whenever there are any
    c->corrected = c->plain;
    c->corrected.input_means = &state.input_means;
    slot = std::move(c);
  }
  Calibration& c = *slot;
  if (spec.bias_correction && !c.means_done) {
    RunSettings with_means = c.request.settings;
    with_means.bias_correction = true;
    phases::biasCorrection(RunContext::of(c.request), with_means, *c.state);
    c.means_done = true;
  }
  const RunState& state = *c.state;
  CalibratedModel model;
  model.label = spec.label();
  model.feature_method = spec.feature_method;
  model.equalization = spec.equalization;
  model.bias_correction = spec.bias_correction;
  model.float_graph = &*state.graph;
  model.executor = &*state.executor;
  model.params = &state.params;
  model.rewrite = spec.bias_correction ? &c.corrected : &c.plain;
  for (const auto& e : state.equalization) model.equalization_factors.emplace_back(e.tensor, e.factors);
  model.owner = slot;
  return model;
}

}  // namespace mnnq
