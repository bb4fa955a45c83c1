#include "compared_tensors.hpp"

#include "op_kinds.hpp"

#include <set>

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

}  // namespace

std::vector<std::string> keepComparedTensorsFloat(const Graph& graph, TensorParams& params) {
  std::set<int> floats;
  std::vector<int> work;
  for (int i = 0; i < graph.numOps(); ++i)
    if (isComparison(graph.op(i)))
      for (int t : graph.op(i).inputIndexes)
        if (t >= 0) work.push_back(t);
  while (!work.empty()) {
    const int tensor = work.back();
    work.pop_back();
    if (!floats.insert(tensor).second) continue;
    const int producer = graph.producer(tensor);
    // A tie in a moved or pooled value is a tie in the value it came from.
    const schema::OpType type = producer < 0 ? schema::OpType_Input : graph.op(producer).type;
    if (producer < 0 || !(isSingleInputDataMovement(type) || isPooling(type))) continue;
    // The data input only (shape and index arguments are not feature tensors).
    const auto& inputs = graph.op(producer).inputIndexes;
    if (!inputs.empty() && inputs[0] >= 0) work.push_back(inputs[0]);
  }
  std::vector<std::string> names;
  for (int tensor : floats)
    if (params.erase(tensor)) names.push_back(graph.tensorName(tensor));
  return names;
}

}  // namespace mnnq
