#include "float_outputs.hpp"

#include "mnnq/core/op_traits.hpp"

#include <map>

namespace mnnq {
namespace {

class FloatResults {
 public:
  FloatResults(const Graph& graph, const std::function<bool(int)>& variable,
               const TensorParams& params)
      : graph_(graph), variable_(variable), params_(params) {}

  // The tensor's values come from an op that runs in float (through data movement at most).
  bool computedInFloat(int tensor) {
    auto it = computed_in_float_.find(tensor);
    if (it != computed_in_float_.end()) return it->second;
    bool result = false;
    const int producer = graph_.producer(tensor);
    if (producer >= 0) {
      const schema::OpT& op = graph_.op(producer);
      if (hasOpTrait(op.type, kOpMovesData)) {
        result = !op.inputIndexes.empty() && op.inputIndexes[0] >= 0 &&
                 computedInFloat(op.inputIndexes[0]);
      } else {
        for (int t : op.inputIndexes)
          if (t >= 0 && variable_(t) && !params_.count(t)) result = true;
      }
    }
    return computed_in_float_[tensor] = result;
  }

  // No op reads the tensor except data movement whose results, in turn, no op reads.
  bool onlyMovedToOutputs(int tensor) {
    auto it = only_moved_.find(tensor);
    if (it != only_moved_.end()) return it->second;
    bool result = true;
    for (int consumer : graph_.consumers(tensor)) {
      const schema::OpT& op = graph_.op(consumer);
      if (!hasOpTrait(op.type, kOpMovesData) || op.inputIndexes.empty() ||
          op.inputIndexes[0] != tensor) {
        result = false;
        break;
      }
      for (int t : op.outputIndexes)
        if (t >= 0 && !onlyMovedToOutputs(t)) result = false;
    }
    return only_moved_[tensor] = result;
  }

 private:
  const Graph& graph_;
  const std::function<bool(int)>& variable_;
  const TensorParams& params_;
  std::map<int, bool> computed_in_float_, only_moved_;
};

}  // namespace

std::vector<std::string> keepFloatResultsFloat(const Graph& graph,
                                               const std::function<bool(int)>& variable,
                                               TensorParams& params) {
  // Decide on the parameters as they are, then remove: the removed tensors are read by no
  // computing op, so removing them changes no other decision.
  FloatResults results(graph, variable, params);
  std::vector<int> remove;
  for (const auto& entry : params)
    if (results.computedInFloat(entry.first) && results.onlyMovedToOutputs(entry.first))
      remove.push_back(entry.first);
  std::vector<std::string> names;
  for (int t : remove) {
    params.erase(t);
    names.push_back(graph.tensorName(t));
  }
  return names;
}

}  // namespace mnnq
