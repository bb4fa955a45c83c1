#include "conv_weights.hpp"

#include "mnnq/core/idst_codec.hpp"

namespace mnnq::exec {

std::vector<float> decodeConvWeight(const OpContext& ctx, const schema::Convolution2DT& conv,
                                    int64_t count) {
  (void)ctx;
  if (!conv.weight.empty()) return conv.weight;
  if (!conv.quanParameter) throw std::invalid_argument("convolution has no weights");
  // Coded integer weights, dequantised as MNN's float fallback does: w = q * alpha[oc]
  // (times quantScale when that is not 1 and has_scaleInt is off).
  const auto& q = *conv.quanParameter;
  if (q.type != 1 && q.type != 2)
    throw UnsupportedOp("IDSTQuan weight type " + std::to_string(q.type));
  if (q.readType != 0) throw UnsupportedOp("asymmetric (readType != 0) coded weights");
  const IdstDecoded d = decodeIdst(q.buffer.data(), q.buffer.size(), q.type, q.shapeInt32);
  const uint64_t kernels = d.kernelNum(), area = d.area();
  if (count >= 0 && static_cast<int64_t>(d.values.size()) != count)
    throw std::invalid_argument("coded weights hold " + std::to_string(d.values.size()) +
                                " values, the layer needs " + std::to_string(count));
  if (q.alpha.size() < kernels)
    throw std::invalid_argument("IDSTQuan.alpha has " + std::to_string(q.alpha.size()) +
                                " scales for " + std::to_string(kernels) + " output channels");
  const float extra = (q.quantScale != 0.f && q.quantScale != 1.f && !q.has_scaleInt) ? q.quantScale : 1.f;
  std::vector<float> w(d.values.size());
  for (uint64_t k = 0; k < kernels; ++k)
    for (uint64_t a = 0; a < area; ++a)
      w[k * area + a] = static_cast<float>(d.values[k * area + a]) * q.alpha[k] * extra;
  return w;
}

ConvWeights loadConvWeights(const OpContext& ctx, const schema::Convolution2DT& conv) {
  const auto& c = *conv.common;
  ConvWeights w;
  if (ctx.numInputs() >= 2 && ctx.inputs[1].present) {
    // Weight as an input tensor [oc][ic/group][kY][kX], optional bias input.
    const Tensor& wt = ctx.constant(1, "convolution weight");
    if (wt.shape.size() != 4 || wt.dtype != DType::Float32)
      throw UnsupportedOp("convolution weight input must be a 4-D float constant");
    w.outChannels = wt.shape[0];
    w.inPerGroup = wt.shape[1];
    w.kernelY = wt.shape[2];
    w.kernelX = wt.shape[3];
    w.weight = wt.f;
    if (ctx.numInputs() >= 3 && ctx.inputs[2].present) w.bias = ctx.constant(2, "convolution bias").f;
  } else {
    w.outChannels = c.outputCount;
    w.kernelY = c.kernelY;
    w.kernelX = c.kernelX;
    const int64_t area = int64_t(w.outChannels) * w.kernelY * w.kernelX;
    if (area <= 0) throw std::invalid_argument("convolution with empty kernel");
    // A depthwise kernel has one input channel per output channel, whatever inputCount says.
    const bool depthwise = ctx.op.type == schema::OpType_ConvolutionDepthwise;
    const int64_t expected = depthwise ? area : (c.inputCount > 0 ? area * c.inputCount : -1);
    w.weight = decodeConvWeight(ctx, conv, expected);
    if (static_cast<int64_t>(w.weight.size()) % area != 0)
      throw std::invalid_argument("convolution weight size " + std::to_string(w.weight.size()) +
                                  " is not a multiple of outputCount*kernel");
    w.inPerGroup = static_cast<int>(w.weight.size() / area);
    w.bias = conv.bias;
  }
  if (w.bias.empty()) w.bias.assign(w.outChannels, 0.f);
  if (static_cast<int>(w.bias.size()) != w.outChannels)
    throw std::invalid_argument("convolution bias has " + std::to_string(w.bias.size()) +
                                " values for " + std::to_string(w.outChannels) + " channels");
  return w;
}

}  // namespace mnnq::exec
