// Phase bias_correction (bias_correction: true): channel means of the inputs of the
// convolutions that will be quantized, from float forwards over up to kBiasSamples usable
// samples spread over the set; rewrite corrects their biases with them (../bias_correction.hpp).
#include "phases.hpp"

#include "../channel_stats.hpp"

#include "mnnq/core/op_traits.hpp"

namespace mnnq::phases {
namespace {

constexpr size_t kBiasSamples = 32;

}  // namespace

void biasCorrection(const RunContext& context, const RunSettings& settings, RunState& state) {
  if (state.table) {  // scales_from: the table's means (none when it was made without)
    state.input_means = state.table->input_means;
    return;
  }
  if (!settings.bias_correction) return;
  const Graph& graph = *state.graph;
  const TensorParams& params = state.params;
  std::set<int> conv_inputs;
  for (int i = 0; i < graph.numOps(); ++i) {
    const schema::OpT& op = graph.op(i);
    if (hasOpTrait(op.type, kOpForwardConv) && op.inputIndexes.size() == 1 && !op.outputIndexes.empty() && !state.skip_ops.count(op.name) &&
        params.count(op.inputIndexes[0]) && params.count(op.outputIndexes[0]))
      conv_inputs.insert(op.inputIndexes[0]);
  }
  const auto& usable = state.outcome.usable_samples;
  std::vector<uint64_t> samples;
  for (uint64_t k : spreadSamples(usable.size(), kBiasSamples)) samples.push_back(usable[k]);
  if (conv_inputs.empty() || samples.empty()) return;
  for (auto& [tensor, stats] :
       measureChannelStats(*state.executor, conv_inputs, *state.feed, samples, context,
                           "bias correction"))
    state.input_means[tensor] = std::move(stats.mean);
  state.summary.phases.push_back({"bias correction", state.watch.lap(), samples.size()});
}

}  // namespace mnnq::phases
