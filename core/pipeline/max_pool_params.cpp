#include "max_pool_params.hpp"

#include "mnnq/core/op_traits.hpp"

#include <cmath>
#include <limits>

namespace mnnq {
namespace {

bool sameQuant(const mnnq_feature_params& a, const mnnq_feature_params& b) {
  return a.scale == b.scale && a.zero == b.zero;
}

bool sameParams(const mnnq_feature_params& a, const mnnq_feature_params& b) {
  return sameQuant(a, b) && a.min == b.min && a.max == b.max;
}

bool isMaxPool(const schema::OpT& op) {
  if (op.type != schema::OpType_Pooling) return false;
  const auto* p = op.main.AsPool();
  return p && p->type == schema::PoolType_MAXPOOL;
}

// Ops whose output values are input values (or convex combinations of them).
bool keepsValues(const schema::OpT& op) {
  return hasOpTrait(op.type, kOpMovesData) || hasOpTrait(op.type, kOpPooling) ||
         isRangeKeepingResize(op);
}

// Sets params[t] = to for t and, forward through value-keeping single-input ops, every tensor
// that held `from` (they were copies of t's parameters).
void replaceForward(const Graph& graph, int t, const mnnq_feature_params& from,
                    const mnnq_feature_params& to, TensorParams& params) {
  params[t] = to;
  for (int c : graph.consumers(t)) {
    const schema::OpT& op = graph.op(c);
    if (!keepsValues(op)) continue;
    int data_inputs = 0;
    for (int in : op.inputIndexes)
      if (in >= 0 && params.count(in)) ++data_inputs;
    if (data_inputs != 1) continue;
    for (int out : op.outputIndexes) {
      auto it = params.find(out);
      if (it != params.end() && sameParams(it->second, from)) replaceForward(graph, out, from, to, params);
    }
  }
}

}  // namespace

bool nonNegativeByConstruction(const Graph& graph, int tensor) {
  for (int depth = 0; depth < 64; ++depth) {
    const int producer = graph.producer(tensor);
    if (producer < 0) return false;
    const schema::OpT& op = graph.op(producer);
    switch (op.type) {
      case schema::OpType_ReLU: {
        const auto* relu = op.main.AsRelu();
        return !relu || relu->slope == 0.0f;
      }
      case schema::OpType_ReLU6:
      case schema::OpType_Sigmoid:
        return true;
      case schema::OpType_Convolution:
      case schema::OpType_ConvolutionDepthwise:
      case schema::OpType_Deconvolution:
      case schema::OpType_DeconvolutionDepthwise: {
        const auto* conv = op.main.AsConvolution2D();
        return conv && conv->common && (conv->common->relu || conv->common->relu6);
      }
      case schema::OpType_BinaryOp: {
        const auto* b = op.main.AsBinaryOp();
        return b && b->activationType == 1;
      }
      case schema::OpType_UnaryOp: {
        const auto* u = op.main.AsUnaryOp();
        return u && u->opType == schema::UnaryOpOperation_SIGMOID;
      }
      default:
        break;
    }
    // Padding fills with zeros and keeps the sign too, but its value input is what matters.
    if (!keepsValues(op) || op.inputIndexes.empty() || op.inputIndexes[0] < 0) return false;
    tensor = op.inputIndexes[0];
  }
  return false;
}

std::vector<std::string> floatSignedMaxPools(const Graph& graph, TensorParams& params) {
  std::vector<std::string> names;
  for (int i = 0; i < graph.numOps(); ++i) {
    const schema::OpT& op = graph.op(i);
    if (!isMaxPool(op) || op.inputIndexes.empty() || op.outputIndexes.empty()) continue;
    const int in = op.inputIndexes[0], out = op.outputIndexes[0];
    auto pin = params.find(in);
    if (pin == params.end()) continue;  // float input: MNN runs the pool in float
    const mnnq_feature_params p = pin->second;
    if (p.zero >= 0.0f && nonNegativeByConstruction(graph, in)) continue;  // q >= 0: exact
    auto pout = params.find(out);
    // A different (scale, zero) already makes MNN run the pool in float.
    if (pout != params.end() && !sameQuant(pout->second, p)) continue;
    mnnq_feature_params q = pout != params.end() ? pout->second : p;
    const mnnq_feature_params before = q;
    q.scale = std::nextafter(q.scale, std::numeric_limits<float>::infinity());
    replaceForward(graph, out, before, q, params);
    names.push_back(op.name);
  }
  return names;
}

}  // namespace mnnq
