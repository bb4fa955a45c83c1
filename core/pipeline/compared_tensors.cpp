#include "compared_tensors.hpp"

#include "mnnq/core/op_traits.hpp"

namespace mnnq {
namespace {

bool isComparison(const schema::OpT& op) {
  if (op.type != schema::OpType_BinaryOp) return false;
  const auto* binary = op.main.AsBinaryOp();
  if (!binary) return false;
  switch (binary->opType) {
    case schema::BinaryOpOperation_EQUAL:
    case schema::BinaryOpOperation_NOTEQUAL:
    case schema::BinaryOpOperation_GREATER:
    case schema::BinaryOpOperation_GREATER_EQUAL:
    case schema::BinaryOpOperation_LESS:
    case schema::BinaryOpOperation_LESS_EQUAL:
      return true;
    default:
      return false;
  }
}

// The tensor a tie-preserving op computes its output from, or -1 if the op is not one: equal
// values in that input give equal values in the output.
int tiePreservingSource(const schema::OpT& op, const TensorParams& params) {
  const auto& inputs = op.inputIndexes;
  if (inputs.empty() || inputs[0] < 0) return -1;
  // Element-wise functions and resizing (nearest copies values, (bi)linear mixes equal
  // neighbours into equal values); for data movement and pooling the data input only (shape
  // and index arguments are not feature tensors).
  if (hasOpTrait(op.type, kOpPreservesTies) || hasOpTrait(op.type, kOpMovesData) ||
      hasOpTrait(op.type, kOpPooling))
    return inputs[0];
  if (op.type != schema::OpType_BinaryOp) return -1;
  // x op constant: constants are never calibrated, so "the only input with parameters".
  int source = -1;
  for (int t : inputs) {
    if (t < 0 || !params.count(t)) continue;
    if (source >= 0) return -1;
    source = t;
  }
  return source;
}

}  // namespace

std::set<int> comparedTensors(const Graph& graph, const TensorParams& params) {
  std::set<int> compared;
  std::vector<int> work;
  for (int i = 0; i < graph.numOps(); ++i)
    if (isComparison(graph.op(i)))
      for (int t : graph.op(i).inputIndexes)
        if (t >= 0) work.push_back(t);
  while (!work.empty()) {
    const int tensor = work.back();
    work.pop_back();
    if (!compared.insert(tensor).second) continue;
    const int producer = graph.producer(tensor);
    if (producer < 0) continue;
    const int source = tiePreservingSource(graph.op(producer), params);
    if (source >= 0) work.push_back(source);
  }
  return compared;
}

std::vector<std::string> keepComparedTensorsFloat(const Graph& graph, TensorParams& params) {
  std::vector<std::string> names;
  for (int tensor : comparedTensors(graph, params))
    if (params.erase(tensor)) names.push_back(graph.tensorName(tensor));
  return names;
}

}  // namespace mnnq
