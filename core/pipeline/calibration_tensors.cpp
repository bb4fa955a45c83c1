#include "calibration_tensors.hpp"

#include <algorithm>
#include <cstring>

namespace mnnq {
namespace {

bool isUnitConvolution(const schema::OpT& op) {
  if (op.type != schema::OpType_Convolution && op.type != schema::OpType_ConvolutionDepthwise)
    return false;
  const auto* conv = op.main.AsConvolution2D();
  return conv && op.inputIndexes.size() == 1 && !op.outputIndexes.empty() &&
         (!conv->weight.empty() || conv->quanParameter);
}

bool isFusableActivation(const schema::OpT& op) {
  if (op.type == schema::OpType_ReLU6) return true;
  if (op.type != schema::OpType_ReLU) return false;
  const auto* relu = op.main.AsRelu();
  return !relu || relu->slope == 0.0f;
}

}  // namespace

CalibrationTensors::CalibrationTensors(const Graph& graph, const Executor& executor,
                                       const std::set<std::string>& skip_ops)
    : index_of_(graph.numTensors(), -1) {
  auto add = [&](int tensor) {
    if (tensor < 0 || tensor >= graph.numTensors() || index_of_[tensor] >= 0) return;
    if (executor.dtype(tensor) != DType::Float32 || executor.isConstant(tensor)) return;
    CalibrationTensor t;
    t.tensor = tensor;
    t.name = graph.tensorName(tensor);
    const int producer = graph.producer(tensor);
    if (producer >= 0 && graph.op(producer).type != schema::OpType_Input) {
      t.producer_op = graph.op(producer).name;
      t.producer_type = schema::EnumNameOpType(graph.op(producer).type);
    }
    t.shape = executor.shape(tensor);
    t.layout = executor.layout(tensor);
    index_of_[tensor] = static_cast<int>(tensors_.size());
    tensors_.push_back(std::move(t));
  };
  for (int input : graph.inputs()) add(input);
  for (int index : executor.executionOrder()) {
    const schema::OpT& op = graph.op(index);
    if (skip_ops.count(op.name)) continue;
    for (int t : op.inputIndexes) add(t);
    for (int t : op.outputIndexes) add(t);
  }

  auto flag = [&](int tensor, uint32_t bit) {
    const int i = indexOf(tensor);
    if (i >= 0) tensors_[i].flags |= bit;
  };
  for (int input : graph.inputs()) flag(input, MNNQ_TENSOR_GRAPH_INPUT);
  for (int output : graph.outputs()) flag(output, MNNQ_TENSOR_GRAPH_OUTPUT);
  for (int index : executor.executionOrder()) {
    const schema::OpT& op = graph.op(index);
    if (skip_ops.count(op.name) || !isUnitConvolution(op)) continue;
    flag(op.inputIndexes[0], MNNQ_TENSOR_UNIT_INPUT);
    int output = op.outputIndexes[0];
    const auto& consumers = graph.consumers(output);
    if (consumers.size() == 1 && isFusableActivation(graph.op(consumers[0])) &&
        !skip_ops.count(graph.op(consumers[0]).name) &&
        !graph.op(consumers[0]).outputIndexes.empty())
      output = graph.op(consumers[0]).outputIndexes[0];
    flag(output, MNNQ_TENSOR_UNIT_OUTPUT);
  }
}

std::vector<mnnq_tensor_desc> CalibrationTensors::descriptors() const {
  std::vector<mnnq_tensor_desc> descs(tensors_.size());
  for (size_t i = 0; i < tensors_.size(); ++i) {
    const CalibrationTensor& t = tensors_[i];
    mnnq_tensor_desc& d = descs[i];
    std::memset(&d, 0, sizeof d);
    d.index = static_cast<uint32_t>(i);
    d.name = t.name.c_str();
    d.producer_op = t.producer_op.c_str();
    d.producer_type = t.producer_type.c_str();
    d.ndim = static_cast<int32_t>(std::min<size_t>(t.shape.size(), MNNQ_MAX_DIMS));
    for (int k = 0; k < d.ndim; ++k) d.dims[k] = t.shape[k];
    d.layout = static_cast<mnnq_layout>(static_cast<int>(t.layout));
    d.flags = t.flags;
  }
  return descs;
}

}  // namespace mnnq
