// Turns a float net plus calibrated parameters into the quantized file content MNN's runtime
// expects (mnn-quantizer-facts.md B.4, D.5): the net is modified in place, op order and everything
// not listed below stays as it was.
//   * TensorDescribe.quantInfo for every tensor with parameters (existing describes keep their
//     other fields; the list is rebuilt in ascending tensor order).
//   * Convolution / ConvolutionDepthwise / Deconvolution with one input and calibrated input
//     and output: float weights replaced by coded integers (IDSTQuan) + per-channel alpha,
//     float bias kept (corrected for the weights' mean rounding error when input means are
//     given), symmetricQuan written.
//   * When a calibrator quantized a convolution unit's output after its ReLU/ReLU6 (EMA), that
//     activation is folded into the convolution (the only structural change).
//   * Sigmoid/TanH ops become UnaryOp; UnaryOps get int8 lookup tables where MNN supports one.
#pragma once

#include "bias_correction.hpp"
#include "tensor_params.hpp"

#include "mnnq/core/graph.hpp"
#include "mnnq/core/idst_codec.hpp"

#include <mnnq/abi.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

namespace mnnq {

// Calls the configured weight quantizer plugin for one layer.
using QuantizeWeightsFn = std::function<void(const mnnq_weight_desc&, mnnq_weight_result&)>;

struct RewriteOptions {
  int bits = 8;             // quant_bits for weights
  int weight_clamp = 127;   // integer grid limit the weight scale is computed for
  std::set<std::string> skip_ops;  // skip_quant_op_names
  QuantizeWeightsFn quantize_weights;
  // Channel count of a tensor as the runtime sees it (from shape inference).
  std::function<int(int tensor)> channels;
  // Per-channel means of convolution inputs: when given, the float bias of each quantized
  // convolution is corrected for the mean error of its int8 weights (bias_correction.hpp).
  const ChannelMeans* input_means = nullptr;
  // Optional: codes a layer's integer weights (default encodeIdst). The quality step's variants
  // pass a memo, since the same layer is coded identically in every variant.
  std::function<IdstEncoded(const std::string& op, const int8_t* values, uint32_t oc, uint64_t area,
                            int bits, bool allow_sparse)>
      encode_weights;
};

// What happened to each op that could have been quantized, for the summary table.
struct RewriteReport {
  struct FloatOp {
    std::string name;
    std::string type;
    std::string reason;
  };
  int tensors_with_params = 0;
  int convolutions_quantized = 0;
  int unary_tables = 0;
  int activations_folded = 0;  // ReLU/ReLU6 ops folded into the convolution before them
  int biases_corrected = 0;    // convolutions whose float bias was corrected
  std::vector<FloatOp> left_float;
};

RewriteReport rewriteQuantized(schema::NetT& net, const TensorParams& params,
                               const RewriteOptions& options);

}  // namespace mnnq
