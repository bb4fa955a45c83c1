// Which tensors are calibrated, and how they are described to the calibrator plugin.
//
// Rule (MNN's, mnn-quantizer-facts.md C.2, stated on file ops): every float tensor that is an
// input or output of an op not listed in skip_quant_op_names and that depends on a graph input
// (constants and shape arithmetic are never calibrated), graph inputs and outputs included, in
// order of first use. Tensors are also flagged as inputs/outputs of quantization units (a
// convolution with constant weights, plus a following ReLU/ReLU6 that is its only consumer), which
// methods that quantize only around convolutions (EMA) use.
#pragma once

#include "mnnq/core/executor.hpp"
#include "mnnq/core/graph.hpp"

#include <mnnq/abi.h>

#include <set>
#include <string>
#include <vector>

namespace mnnq {

struct CalibrationTensor {
  int tensor = -1;            // graph tensor id
  std::string name;
  std::string producer_op;    // "" for graph inputs
  std::string producer_type;
  std::vector<int> shape;     // batch 1
  Layout layout = Layout::NCHW;
  uint32_t flags = 0;         // MNNQ_TENSOR_*
};

class CalibrationTensors {
 public:
  CalibrationTensors(const Graph& graph, const Executor& executor,
                     const std::set<std::string>& skip_ops);

  const std::vector<CalibrationTensor>& tensors() const { return tensors_; }
  size_t size() const { return tensors_.size(); }
  // Index into tensors() of a graph tensor id, -1 if that tensor is not calibrated.
  int indexOf(int tensor) const {
    return tensor >= 0 && tensor < static_cast<int>(index_of_.size()) ? index_of_[tensor] : -1;
  }
  // Descriptors for the ABI; they point into this object, which must outlive them.
  std::vector<mnnq_tensor_desc> descriptors() const;

 private:
  std::vector<CalibrationTensor> tensors_;
  std::vector<int> index_of_;
};

}  // namespace mnnq
