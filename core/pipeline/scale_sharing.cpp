#include "scale_sharing.hpp"

#include "mnnq/core/op_traits.hpp"

#include <cstring>

namespace mnnq {
namespace {

bool sameParams(const mnnq_feature_params& a, const mnnq_feature_params& b) {
  return a.scale == b.scale && a.zero == b.zero && a.min == b.min && a.max == b.max;
}

// Sets params[to] = params[from] when `from` has parameters; counts real changes.
int copyParams(TensorParams& params, int from, int to) {
  auto src = params.find(from);
  if (src == params.end() || from == to) return 0;
  auto dst = params.find(to);
  if (dst != params.end() && sameParams(dst->second, src->second)) return 0;
  params[to] = src->second;
  return 1;
}

// The data inputs of an op: inputs that are not shape/index arguments. Shape-like inputs are
// integer tensors and never have feature parameters, so "has parameters" is the test.
std::vector<int> featureInputs(const schema::OpT& op, const TensorParams& params) {
  std::vector<int> inputs;
  for (int t : op.inputIndexes)
    if (t >= 0 && params.count(t)) inputs.push_back(t);
  return inputs;
}

}  // namespace

int shareScales(const Graph& graph, const std::vector<int>& order, TensorParams& params) {
  int changed = 0;
  for (int index : order) {
    const schema::OpT& op = graph.op(index);
    if (!hasOpTrait(op.type, kOpMovesData) && !hasOpTrait(op.type, kOpPooling) && !isRangeKeepingResize(op))
      continue;
    std::vector<int> inputs = featureInputs(op, params);
    if (inputs.size() != 1) continue;
    for (int output : op.outputIndexes) changed += copyParams(params, inputs[0], output);
  }
  for (int index : order) {
    const schema::OpT& op = graph.op(index);
    if (op.type != schema::OpType_Concat || op.outputIndexes.empty()) continue;
    const int output = op.outputIndexes[0];
    for (int input : featureInputs(op, params)) {
      // Walk back through a chain of data movement that only feeds this concat.
      for (int tensor = input;;) {
        changed += copyParams(params, output, tensor);
        const int producer = graph.producer(tensor);
        if (producer < 0 || graph.consumers(tensor).size() != 1) break;
        const schema::OpT& prev = graph.op(producer);
        if (!hasOpTrait(prev.type, kOpMovesData)) break;
        std::vector<int> prev_inputs = featureInputs(prev, params);
        if (prev_inputs.size() != 1 || prev.outputIndexes.size() != 1) break;
        tensor = prev_inputs[0];
      }
    }
  }
  return changed;
}

}  // namespace mnnq
