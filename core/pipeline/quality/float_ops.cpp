#include "float_ops.hpp"

#include "mnnq/core/op_traits.hpp"

#include <algorithm>
#include <map>

namespace mnnq {

bool propagatesParams(const schema::OpT& op) {
  switch (op.type) {
    case schema::OpType_ReLU:
    case schema::OpType_ReLU6:
    case schema::OpType_Pooling:
    case schema::OpType_Pooling3D:
    case schema::OpType_Interp:
    case schema::OpType_CropAndResize:
    case schema::OpType_ROIPooling:
    case schema::OpType_Raster:
      return true;
    default:
      return hasOpTrait(op.type, kOpMnnRaster) || hasOpTrait(op.type, kOpMnnPropagatesQuant);
  }
}

std::set<int> tensorsKeptFloat(const Graph& graph, const std::set<std::string>& ops) {
  std::set<int> floating;
  // File order is topological: one sweep carries the float-ness down chains of passing ops.
  for (int i = 0; i < graph.numOps(); ++i) {
    const schema::OpT& op = graph.op(i);
    bool mark = ops.count(op.name) > 0;
    if (!mark && propagatesParams(op))
      for (int t : op.inputIndexes)
        if (t >= 0 && floating.count(t)) mark = true;
    if (!mark) continue;
    for (int t : op.outputIndexes)
      if (t >= 0) floating.insert(t);
  }
  return floating;
}

std::vector<std::string> keepSkippedOutputsFloat(const Graph& graph, const std::set<std::string>& ops,
                                                 TensorParams& params) {
  std::vector<std::string> ineffective;
  for (int i = 0; i < graph.numOps(); ++i) {
    const schema::OpT& op = graph.op(i);
    if (!ops.count(op.name) || !propagatesParams(op)) continue;
    // MNN forwards a single input's parameters to the output of a passing op.
    int quantized_inputs = 0;
    for (int t : op.inputIndexes)
      if (t >= 0 && params.count(t)) ++quantized_inputs;
    if (quantized_inputs == 1 && op.inputIndexes.size() == 1) ineffective.push_back(op.name);
  }
  for (int t : tensorsKeptFloat(graph, ops)) params.erase(t);
  return ineffective;
}

std::vector<int> floatCandidateOps(const Graph& graph, const Executor& executor,
                                   const TensorParams& params, const std::set<std::string>& skip) {
  std::vector<int> ops;
  for (int i : executor.executionOrder()) {
    const schema::OpT& op = graph.op(i);
    if (op.type == schema::OpType_Input || skip.count(op.name) || propagatesParams(op)) continue;
    if (op.outputIndexes.empty() || !params.count(op.outputIndexes[0])) continue;
    ops.push_back(i);
  }
  return ops;
}

double convMacs(const Graph& graph, const Executor& executor, int index) {
  const schema::OpT& op = graph.op(index);
  if (op.type != schema::OpType_Convolution && op.type != schema::OpType_ConvolutionDepthwise &&
      op.type != schema::OpType_Deconvolution)
    return 0;
  const auto* conv = op.main.AsConvolution2D();
  if (!conv || !conv->common || op.outputIndexes.empty() || op.inputIndexes.empty()) return 0;
  const auto& common = *conv->common;
  const double kernel = std::max(1, common.kernelX) * static_cast<double>(std::max(1, common.kernelY));
  const int group = std::max(1, common.group);
  auto elements = [&](int t) {
    double n = 1;
    for (int d : executor.shape(t)) n *= d;
    return n;
  };
  auto channels = [&](int t) {
    const auto& s = executor.shape(t);
    if (s.size() < 2) return 1;
    return executor.layout(t) == Layout::NHWC ? s.back() : s[1];
  };
  const int in = op.inputIndexes[0], out = op.outputIndexes[0];
  if (op.type == schema::OpType_ConvolutionDepthwise) return elements(out) * kernel;
  if (op.type == schema::OpType_Deconvolution)
    return elements(in) * kernel * std::max(1, channels(out)) / group;
  return elements(out) * kernel * std::max(1, channels(in)) / group;
}

double int8ConvMacShare(const Graph& graph, const Executor& executor, const schema::NetT& quantized) {
  std::set<int> described;
  for (const auto& d : quantized.extraTensorDescribe)
    if (d && d->quantInfo) described.insert(d->index);
  std::map<std::string, const schema::OpT*> by_name;
  for (const auto& op : quantized.oplists)
    if (op) by_name[op->name] = op.get();
  double total = 0, int8 = 0;
  for (int i = 0; i < graph.numOps(); ++i) {
    const double macs = convMacs(graph, executor, i);
    if (macs <= 0) continue;
    total += macs;
    auto found = by_name.find(graph.op(i).name);
    if (found == by_name.end()) continue;
    const schema::OpT& q = *found->second;
    if (q.type == schema::OpType_Deconvolution) continue;  // the runtime has no int8 deconvolution
    const auto* conv = q.main.AsConvolution2D();
    if (!conv || !conv->weight.empty() || !conv->quanParameter || conv->quanParameter->buffer.empty())
      continue;
    if (q.inputIndexes.size() != 1 || q.outputIndexes.empty()) continue;
    if (described.count(q.inputIndexes[0]) && described.count(q.outputIndexes[0])) int8 += macs;
  }
  return total > 0 ? int8 / total : 1.0;
}

}  // namespace mnnq
