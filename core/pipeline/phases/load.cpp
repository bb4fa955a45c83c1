// Phase load: the float model, the skip list checked against it, and the three plugins
// created with the validated config (input source first: the feed needs the model's inputs).
#include "phases.hpp"

#include "../float_model_check.hpp"

#include "mnnq/core/config_key.hpp"
#include "mnnq/core/model_inputs.hpp"
#include "mnnq/core/suggest.hpp"

namespace mnnq::phases {
namespace {

// skip_quant_op_names as a set, each name checked against the model.
std::set<std::string> skipOps(const std::vector<std::string>& names, const Graph& graph,
                              const std::string& config_file) {
  std::set<std::string> skip;
  for (const std::string& name : names) {
    if (graph.findOp(name) < 0) {
      std::vector<std::string> known;
      for (int i = 0; i < graph.numOps(); ++i) known.push_back(graph.op(i).name);
      std::string message = config_file + ": key 'skip_quant_op_names': the model has no op named '" +
                            name + "'";
      const std::string close = closestMatch(name, known);
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

}  // namespace

void load(const RunContext& context, const RunSettings& settings, RunState& state) {
  const RunRequest& request = state.request;
  RunSummary& summary = state.summary;
  Step step(context, "load model and plugins");
  summary.model = settings.model;
  summary.output = settings.output;
  summary.feature_method = request.feature_calibrator->name();
  summary.weight_method = request.weight_quantizer->name();

  try {  // a device node or folder at the output path: refused now, not after the run
    OutputSet::checkTarget(settings.output);
  } catch (const OutputError& e) {
    throw ModelError(e.what());
  }
  const Graph& graph = state.graph.emplace(Graph::load(settings.model));
  requireFloatModel(graph);
  state.skip_ops = skipOps(settings.skip_op_names, graph, request.config_file);
  if (hasOpType(graph, schema::OpType_BatchNorm))
    summary.notes.push_back("the model has BatchNorm ops: MNN's tool would silently switch to "
                            "EMA; mnnq keeps " + summary.feature_method +
                            " and runs BatchNorm with its stored statistics");

  ModelInputs model_inputs = modelInputs(graph);
  HostOptions host;  // what every plugin object gets: thread budget, log, embedder data
  host.threads = context.threads;
  host.quiet = context.quiet;
  host.embedder_data = request.embedder_data;
  InputSourceHandle& source =
      state.source.emplace(*request.input_source, state.config_text, model_inputs.descs, host);
  SampleFeed& feed =
      state.own_feed.emplace(graph, source, model_inputs.declared, settings.input_cache_bytes);
  state.feed = &feed;
  if (context.cancelled) feed.setCancellationCheck(context.cancelled);
  summary.samples_total = feed.count();
  state.exec_options.input_shapes = feed.inputShapes();
  state.calibrator.emplace(*request.feature_calibrator, state.config_text, host);
  state.weights.emplace(*request.weight_quantizer, state.config_text, host);
  summary.phases.push_back({"load model and plugins", state.watch.lap(), 0});
  step.done();
}

}  // namespace mnnq::phases
