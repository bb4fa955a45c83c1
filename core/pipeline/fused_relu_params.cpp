#include "fused_relu_params.hpp"

namespace mnnq {

int zeroPointsAtFusedRelu(const Graph& graph, TensorParams& params) {
  int changed = 0;
  for (int i = 0; i < graph.numOps(); ++i) {
    const schema::OpT& op = graph.op(i);
    if (op.type != schema::OpType_BinaryOp || op.outputIndexes.size() != 1) continue;
    const auto* binary = op.main.AsBinaryOp();
    if (!binary || binary->activationType != 1) continue;
    auto it = params.find(op.outputIndexes[0]);
    if (it == params.end()) continue;
    mnnq_feature_params& p = it->second;
    if (p.zero == 0.0f) continue;
    // Largest real value the calibrated parameters represent; after a ReLU the range is
    // [0, hi], now spread over int8 [0, max].
    const float hi = (p.max - p.zero) * p.scale;
    if (!(hi > 0.0f) || !(p.max > 0.0f)) continue;
    p.scale = hi / p.max;
    p.zero = 0.0f;
    ++changed;
  }
  return changed;
}

}  // namespace mnnq
