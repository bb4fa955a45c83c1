#include "scale_sharing.hpp"

#include <cstring>

namespace mnnq {
namespace {

bool isSingleInputDataMovement(schema::OpType type) {
  switch (type) {
    case schema::OpType_Reshape:
    case schema::OpType_Permute:
    case schema::OpType_Transpose:
    case schema::OpType_Flatten:
    case schema::OpType_Squeeze:
    case schema::OpType_Unsqueeze:
    case schema::OpType_ExpandDims:
    case schema::OpType_ConvertTensor:
    case schema::OpType_Slice:
    case schema::OpType_SliceTf:
    case schema::OpType_StridedSlice:
    case schema::OpType_Crop:
    case schema::OpType_Padding:
    case schema::OpType_Tile:
    case schema::OpType_BroadcastTo:
    case schema::OpType_Pooling:
      return true;
    default:
      return false;
  }
}

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
    if (op.type != schema::OpType_Concat || op.outputIndexes.empty()) continue;
    for (int input : featureInputs(op, params)) changed += copyParams(params, op.outputIndexes[0], input);
  }
  for (int index : order) {
    const schema::OpT& op = graph.op(index);
    if (!isSingleInputDataMovement(op.type)) continue;
    std::vector<int> inputs = featureInputs(op, params);
    if (inputs.size() != 1) continue;
    for (int output : op.outputIndexes) changed += copyParams(params, inputs[0], output);
  }
  return changed;
}

}  // namespace mnnq
