// Which ops of a quantized model MNN's CPU runtime runs in int8, and with which tensor quant
// attributes (docs/mnn-quantizer-facts.md D.1-D.2).
//
// MNN decides on its *lowered* command stream, not on file ops: data-movement ops (Reshape,
// Permute, Concat, Slice, ConvertTensor, ...) become virtual tensors that are only copied by a
// Raster command when a compute op (or the caller) reads them, and a chain of them collapses
// into one Raster from the chain's source tensors. This plan models that stream at file-op
// level: a compute op is one command; a data-movement tensor read by a compute op or returned
// as an output is one Raster command whose inputs are the chain's non-virtual sources.
//
// Quant attributes are shared objects in MNN (propagation makes tensors share one), and the
// int8 ReLU requires input and output to share the very same object; attributes are therefore
// referred to by an id here.
#pragma once

#include "../op_kernel.hpp"

#include <vector>

namespace mnnq::exec::int8 {

struct QuantAttr {
  float scale = 0.f;
  float zero = 0.f;
  float min = -128.f;
  float max = 127.f;
  bool int8 = true;  // type DT_INT8 (DT_INVALID reads as DT_INT8)
};

class Int8Plan {
 public:
  // infos/constant: the executor's inferred tensor infos and which tensors are constants.
  Int8Plan(const Graph& graph, const std::vector<TensorInfo>& infos, const std::vector<bool>& constant);

  // Any tensor carries a quant attribute (MNN then treats the pipeline as quantized).
  bool quantized() const { return quantized_; }
  // The attribute of a tensor after propagation, or null.
  const QuantAttr* attr(int tensor) const;
  // Identity of the (shared) attribute object, -1 for none.
  int attrId(int tensor) const;
  // MNN runs the op's command (a compute op) in int8.
  bool int8Op(int op) const { return op >= 0 && op < int(opInt8_.size()) && opInt8_[op]; }
  // Data-movement op whose output MNN materialises with an int8 Raster: the copied values are
  // the int8 values of its sources. Also the output of a float op that MNN lowers to commands
  // ending in such a Raster (Normalize): the int8 values of the float result.
  bool int8Raster(int tensor) const;
  // The tensor's values are int8 bytes an int8 command wrote (its producer runs in int8, or an
  // int8 Raster materialises it): an int8 consumer reads them as they are, any q in [-128, 127],
  // where a FloatToInt8 from a float producer would clamp to the attribute's [min, max].
  bool int8Produced(int tensor) const;

 private:
  std::vector<QuantAttr> attrs_;   // attribute objects
  std::vector<int> tensorAttr_;    // per tensor: index into attrs_, -1 none
  std::vector<bool> opInt8_;       // per op
  std::vector<bool> rasterInt8_;   // per tensor: materialised by an int8 Raster
  std::vector<bool> int8Produced_; // per tensor: see int8Produced()
  bool quantized_ = false;
};

}  // namespace mnnq::exec::int8
