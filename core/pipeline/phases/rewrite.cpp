// Phase rewrite: a copy of the graph with int8 weights and quantization parameters
// (../rewrite.hpp); the graph itself stays the float source the scale dump describes.
#include "phases.hpp"

#include "../rewrite.hpp"

namespace mnnq::phases {
namespace {

int channelsOf(const Executor& executor, int tensor) {
  const std::vector<int>& shape = executor.shape(tensor);
  if (shape.size() < 2) return -1;
  return executor.layout(tensor) == Layout::NHWC ? shape.back() : shape[1];
}

}  // namespace

RewriteOptions rewriteOptions(const RunSettings& settings, const RunState& state) {
  RewriteOptions options;
  options.bits = settings.quant_bits;
  options.weight_clamp = settings.weight_clamp;
  options.skip_ops = state.skip_ops;
  const WeightQuantizerHandle* weights = &*state.weights;
  options.quantize_weights = [weights](const mnnq_weight_desc& d, mnnq_weight_result& r) {
    weights->quantize(d, r);
  };
  const Executor* executor = &*state.executor;
  options.channels = [executor](int tensor) { return channelsOf(*executor, tensor); };
  // Empty unless bias_correction is on (or the scale table carries means).
  if (!state.input_means.empty()) options.input_means = &state.input_means;
  return options;
}

void rewrite(const RunContext& context, const RunSettings& settings, RunState& state) {
  Step step(context, "quantize weights, rewrite");
  const Graph& graph = *state.graph;
  Graph& rewritten = state.rewritten.emplace(graph.clone());
  const RewriteOptions options = rewriteOptions(settings, state);
  RunSummary& summary = state.summary;
  summary.rewrite = rewriteQuantized(rewritten.net(), state.params, options);
  state.rewrite_options = options;
  summary.phases.push_back({"quantize weights, rewrite", state.watch.lap(),
                            static_cast<uint64_t>(summary.rewrite.convolutions_quantized)});
  step.done();
}

}  // namespace mnnq::phases
