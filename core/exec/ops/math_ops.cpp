// Element-wise and normalisation ops: BinaryOp, Eltwise, UnaryOp, ReLU, ReLU6, PReLU, Sigmoid,
// TanH, Softmax, BatchNorm, Scale, Reduction, Normalize.
#include "../kernels/elementwise.hpp"
#include "../op_kernel.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mnnq::exec {
namespace {

// Index of the channel dim for per-channel parameters.
int channelAxis(const TensorInfo& t) {
  if (t.shape.size() < 2) return static_cast<int>(t.shape.size()) - 1;
  return t.layout == Layout::NHWC ? static_cast<int>(t.shape.size()) - 1 : 1;
}

struct ChannelSplit {
  int64_t outer = 1, channels = 1, inner = 1;
};
ChannelSplit splitChannels(const TensorInfo& t) {
  ChannelSplit s;
  const int axis = channelAxis(t);
  if (axis < 0) return s;
  for (int i = 0; i < axis; ++i) s.outer *= t.shape[i];
  s.channels = t.shape[axis];
  for (size_t i = axis + 1; i < t.shape.size(); ++i) s.inner *= t.shape[i];
  return s;
}

// y = x * scale[c] + bias[c] per channel.
std::unique_ptr<OpKernel> channelAffine(const TensorInfo& in, std::vector<float> scale, std::vector<float> bias) {
  const ChannelSplit s = splitChannels(in);
  if (static_cast<int64_t>(scale.size()) != s.channels)
    throw std::invalid_argument("per-channel parameters have " + std::to_string(scale.size()) +
                                " values for " + std::to_string(s.channels) + " channels");
  if (bias.empty()) bias.assign(scale.size(), 0.f);
  return makeKernel([s, scale, bias](const std::vector<const Tensor*>& x, const std::vector<Tensor*>& y) {
    const float* src = x[0]->f.data();
    float* dst = y[0]->f.data();
    for (int64_t o = 0; o < s.outer; ++o)
      for (int64_t c = 0; c < s.channels; ++c) {
        const float a = scale[c], b = bias[c];
        const int64_t base = (o * s.channels + c) * s.inner;
        for (int64_t k = 0; k < s.inner; ++k) dst[base + k] = src[base + k] * a + b;
      }
  });
}

std::unique_ptr<OpKernel> makeBinary(OpContext& ctx) {
  const auto* p = ctx.op.main.AsBinaryOp();
  if (!p) throw std::invalid_argument("BinaryOp without parameter");
  const BinaryKind kind = static_cast<BinaryKind>(p->opType);
  const TensorInfo& a = ctx.inputs[0];
  const TensorInfo& b = ctx.inputs[1];
  const bool isInt = a.dtype == DType::Int32 && b.dtype == DType::Int32;
  if (a.dtype != b.dtype) throw std::invalid_argument("BinaryOp inputs differ in type");
  if (!binarySupported(kind, isInt)) throw UnsupportedOp("BinaryOp operation " + std::to_string(p->opType));
  const bool compare = binaryIsComparison(kind);
  TensorInfo out = a.shape.size() >= b.shape.size() ? a : b;
  out.shape = broadcastShape(a.shape, b.shape);
  out.dtype = compare ? DType::Int32 : a.dtype;
  ctx.outputs[0] = out;
  const bool relu = p->activationType == 1;
  const auto as = a.shape, bs = b.shape, os = out.shape;
  // Every output element is computed (broadcast over the whole output shape).
  return writingAllOutputs(makeKernel([=](const std::vector<const Tensor*>& x, const std::vector<Tensor*>& y) {
    if (isInt) {
      binaryInt(kind, x[0]->i.data(), as, x[1]->i.data(), bs, y[0]->i.data(), os);
      if (relu && !compare)
        for (auto& v : y[0]->i) v = std::max(v, 0);
    } else if (compare) {
      compareFloat(kind, x[0]->f.data(), as, x[1]->f.data(), bs, y[0]->i.data(), os);
    } else {
      binaryFloat(kind, x[0]->f.data(), as, x[1]->f.data(), bs, y[0]->f.data(), os);
      if (relu)
        for (auto& v : y[0]->f) v = std::max(v, 0.f);
    }
  }));
}

std::unique_ptr<OpKernel> makeEltwise(OpContext& ctx) {
  const auto* p = ctx.op.main.AsEltwise();
  if (!p) throw std::invalid_argument("Eltwise without parameter");
  const auto type = p->type;
  std::vector<float> coeff = p->coeff;
  for (int k = 1; k < ctx.numInputs(); ++k)
    if (ctx.inputs[k].shape != ctx.inputs[0].shape) throw UnsupportedOp("Eltwise on inputs of different shapes");
  if (!coeff.empty() && static_cast<int>(coeff.size()) != ctx.numInputs())
    throw std::invalid_argument("Eltwise coefficient count differs from input count");
  ctx.outputs[0] = ctx.inputs[0];
  // The first input initialises every output element.
  return writingAllOutputs(makeKernel([type, coeff](const std::vector<const Tensor*>& x, const std::vector<Tensor*>& y) {
    std::vector<float>& dst = y[0]->f;
    const size_t n = dst.size();
    const bool weighted = type == schema::EltwiseType_SUM && !coeff.empty();
    for (size_t i = 0; i < n; ++i) dst[i] = weighted ? x[0]->f[i] * coeff[0] : x[0]->f[i];
    for (size_t k = 1; k < x.size(); ++k) {
      const std::vector<float>& src = x[k]->f;
      switch (type) {
        case schema::EltwiseType_SUM:
          if (weighted) for (size_t i = 0; i < n; ++i) dst[i] += src[i] * coeff[k];
          else for (size_t i = 0; i < n; ++i) dst[i] += src[i];
          break;
        case schema::EltwiseType_PROD: for (size_t i = 0; i < n; ++i) dst[i] *= src[i]; break;
        case schema::EltwiseType_MAXIMUM: for (size_t i = 0; i < n; ++i) dst[i] = std::max(dst[i], src[i]); break;
        case schema::EltwiseType_SUB: for (size_t i = 0; i < n; ++i) dst[i] -= src[i]; break;
        default: throw std::invalid_argument("unknown Eltwise type");
      }
    }
  }));
}

std::unique_ptr<OpKernel> unaryKernel(OpContext& ctx, UnaryKind kind) {
  const TensorInfo& in = ctx.inputs[0];
  ctx.outputs[0] = in;
  if (in.dtype == DType::Int32) {
    if (kind != UnaryKind::Abs && kind != UnaryKind::Neg && kind != UnaryKind::Square && kind != UnaryKind::Sign)
      throw UnsupportedOp("integer UnaryOp " + std::to_string(int(kind)));
    return makeKernel([kind](const std::vector<const Tensor*>& x, const std::vector<Tensor*>& y) {
      unaryInt(kind, x[0]->i.data(), y[0]->i.data(), static_cast<int64_t>(x[0]->i.size()));
    });
  }
  if (!unarySupported(kind)) throw UnsupportedOp("UnaryOp " + std::to_string(int(kind)));
  return writingAllOutputs(makeKernel([kind](const std::vector<const Tensor*>& x, const std::vector<Tensor*>& y) {
    unaryFloat(kind, x[0]->f.data(), y[0]->f.data(), static_cast<int64_t>(x[0]->f.size()));
  }));
}

std::unique_ptr<OpKernel> makeUnary(OpContext& ctx) {
  const auto* p = ctx.op.main.AsUnaryOp();
  if (!p) throw std::invalid_argument("UnaryOp without parameter");
  return unaryKernel(ctx, static_cast<UnaryKind>(p->opType));
}

std::unique_ptr<OpKernel> makeClamp(OpContext& ctx, float lo, float hi, float slope) {
  ctx.outputs[0] = ctx.inputs[0];
  if (ctx.inputs[0].dtype != DType::Float32) throw UnsupportedOp("activation on integers");
  return makeKernel([lo, hi, slope](const std::vector<const Tensor*>& x, const std::vector<Tensor*>& y) {
    const float* s = x[0]->f.data();
    float* d = y[0]->f.data();
    const size_t n = x[0]->f.size();
    if (slope != 0.f) {
      for (size_t i = 0; i < n; ++i) d[i] = s[i] < 0.f ? s[i] * slope : s[i];
    } else {
      for (size_t i = 0; i < n; ++i) d[i] = std::min(std::max(s[i], lo), hi);
    }
  });
}

std::unique_ptr<OpKernel> makeRelu(OpContext& ctx) {
  const auto* p = ctx.op.main.AsRelu();
  return makeClamp(ctx, 0.f, std::numeric_limits<float>::infinity(), p ? p->slope : 0.f);
}

std::unique_ptr<OpKernel> makeRelu6(OpContext& ctx) {
  const auto* p = ctx.op.main.AsRelu6();
  return makeClamp(ctx, p ? p->minValue : 0.f, p ? p->maxValue : 6.f, 0.f);
}

std::unique_ptr<OpKernel> makePRelu(OpContext& ctx) {
  const auto* p = ctx.op.main.AsPRelu();
  if (!p) throw std::invalid_argument("PReLU without parameter");
  const TensorInfo& in = ctx.inputs[0];
  ctx.outputs[0] = in;
  const ChannelSplit s = splitChannels(in);
  std::vector<float> slope = p->slope;
  if (slope.size() == 1) slope.assign(s.channels, slope[0]);
  if (static_cast<int64_t>(slope.size()) != s.channels)
    throw std::invalid_argument("PReLU slope count differs from channels");
  return makeKernel([s, slope](const std::vector<const Tensor*>& x, const std::vector<Tensor*>& y) {
    for (int64_t o = 0; o < s.outer; ++o)
      for (int64_t c = 0; c < s.channels; ++c) {
        const int64_t base = (o * s.channels + c) * s.inner;
        for (int64_t k = 0; k < s.inner; ++k) {
          const float v = x[0]->f[base + k];
          y[0]->f[base + k] = v < 0.f ? v * slope[c] : v;
        }
      }
  });
}

std::unique_ptr<OpKernel> makeSoftmax(OpContext& ctx) {
  const TensorInfo& in = ctx.inputs[0];
  const auto* p = ctx.op.main.AsAxis();
  const int rank = static_cast<int>(in.shape.size());
  int axis = p ? p->axis : 1;
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) throw std::invalid_argument("Softmax axis out of range");
  ctx.outputs[0] = in;
  int64_t outer = 1, inner = 1;
  for (int i = 0; i < axis; ++i) outer *= in.shape[i];
  for (int i = axis + 1; i < rank; ++i) inner *= in.shape[i];
  const int64_t len = in.shape[axis];
  return makeKernel([outer, inner, len](const std::vector<const Tensor*>& x, const std::vector<Tensor*>& y) {
    const float* s = x[0]->f.data();
    float* d = y[0]->f.data();
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t k = 0; k < inner; ++k) {
        const int64_t base = o * len * inner + k;
        float m = -std::numeric_limits<float>::infinity();
        for (int64_t j = 0; j < len; ++j) m = std::max(m, s[base + j * inner]);
        float sum = 0.f;
        for (int64_t j = 0; j < len; ++j) {
          const float e = std::exp(s[base + j * inner] - m);
          d[base + j * inner] = e;
          sum += e;
        }
        const float inv = 1.f / sum;
        for (int64_t j = 0; j < len; ++j) d[base + j * inner] *= inv;
      }
  });
}

std::unique_ptr<OpKernel> makeBatchNorm(OpContext& ctx) {
  const auto* p = ctx.op.main.AsBatchNorm();
  if (!p) throw std::invalid_argument("BatchNorm without parameter");
  const size_t c = p->slopeData.size();
  if (p->meanData.size() != c || p->varData.size() != c || p->biasData.size() != c)
    throw std::invalid_argument("BatchNorm parameter sizes differ");
  std::vector<float> scale(c), bias(c);
  for (size_t k = 0; k < c; ++k) {
    scale[k] = p->slopeData[k] / std::sqrt(p->varData[k] + p->epsilon);
    bias[k] = p->biasData[k] - p->meanData[k] * scale[k];
  }
  ctx.outputs[0] = ctx.inputs[0];
  return channelAffine(ctx.inputs[0], scale, bias);
}

std::unique_ptr<OpKernel> makeScale(OpContext& ctx) {
  const auto* p = ctx.op.main.AsScale();
  if (!p) throw std::invalid_argument("Scale without parameter");
  ctx.outputs[0] = ctx.inputs[0];
  return channelAffine(ctx.inputs[0], p->scaleData, p->biasData);
}

std::unique_ptr<OpKernel> makeReduction(OpContext& ctx) {
  const auto* p = ctx.op.main.AsReductionParam();
  if (!p) throw std::invalid_argument("Reduction without parameter");
  const TensorInfo& in = ctx.inputs[0];
  const int rank = static_cast<int>(in.shape.size());
  std::vector<int> axes = p->dim;
  if (ctx.numInputs() >= 2 && ctx.inputs[1].present) axes = tensorInts(ctx.constant(1, "Reduction axes"));
  std::vector<bool> reduce(rank, axes.empty());
  for (int a : axes) reduce.at(a < 0 ? a + rank : a) = true;
  std::vector<int> outShape;
  for (int i = 0; i < rank; ++i) {
    if (!reduce[i]) outShape.push_back(in.shape[i]);
    else if (p->keepDims) outShape.push_back(1);
  }
  TensorInfo out = in;
  out.shape = outShape;
  ctx.outputs[0] = out;
  if (in.dtype != DType::Float32) throw UnsupportedOp("integer Reduction");
  const auto op = p->operation;
  const std::vector<int> inShape = in.shape;
  return makeKernel([=](const std::vector<const Tensor*>& x, const std::vector<Tensor*>& y) {
    // Map each input element to its output slot; accumulate in double for sums.
    const auto inStrides = stridesOf(inShape);
    std::vector<int64_t> outStride(rank, 0);
    int64_t acc = 1;
    for (int i = rank - 1; i >= 0; --i)
      if (!reduce[i]) {
        outStride[i] = acc;
        acc *= inShape[i];
      }
    const int64_t nOut = acc;
    int64_t count = 1;
    for (int i = 0; i < rank; ++i)
      if (reduce[i]) count *= inShape[i];
    std::vector<double> r(nOut);
    const bool isMax = op == schema::ReductionType_MAXIMUM, isMin = op == schema::ReductionType_MINIMUM;
    const bool isProd = op == schema::ReductionType_PROD || op == schema::ReductionType_ALL;
    std::fill(r.begin(), r.end(), isMax ? -INFINITY : (isMin ? INFINITY : (isProd ? 1.0 : 0.0)));
    std::vector<int> idx(rank, 0);
    const int64_t total = static_cast<int64_t>(x[0]->f.size());
    int64_t o = 0;
    for (int64_t e = 0; e < total; ++e) {
      const double v = x[0]->f[e];
      double& t = r[o];
      switch (op) {
        case schema::ReductionType_SUM: case schema::ReductionType_MEAN: t += v; break;
        case schema::ReductionType_ASUM: t += std::fabs(v); break;
        case schema::ReductionType_SUMSQ: t += v * v; break;
        case schema::ReductionType_MAXIMUM: t = std::max(t, v); break;
        case schema::ReductionType_MINIMUM: t = std::min(t, v); break;
        case schema::ReductionType_PROD: t *= v; break;
        case schema::ReductionType_ANY: t = (t != 0 || v != 0) ? 1 : 0; break;
        case schema::ReductionType_ALL: t = (t != 0 && v != 0) ? 1 : 0; break;
        default: throw std::invalid_argument("unknown reduction");
      }
      for (int d = rank - 1; d >= 0; --d) {
        o += outStride[d];
        if (++idx[d] < inShape[d]) break;
        o -= outStride[d] * inShape[d];
        idx[d] = 0;
      }
    }
    (void)inStrides;
    for (int64_t k = 0; k < nOut; ++k)
      y[0]->f[k] = static_cast<float>(op == schema::ReductionType_MEAN ? r[k] / count : r[k]);
  });
}

// Caffe Normalize (SSD): L2 over channels per pixel (or over everything), times scale.
std::unique_ptr<OpKernel> makeNormalize(OpContext& ctx) {
  const auto* p = ctx.op.main.AsNormalize();
  if (!p) throw std::invalid_argument("Normalize without parameter");
  const TensorInfo& in = ctx.inputs[0];
  if (in.layout == Layout::NHWC || in.shape.size() != 4) throw UnsupportedOp("Normalize needs a 4-D NCHW tensor");
  ctx.outputs[0] = in;
  const int n = in.shape[0], c = in.shape[1], plane = in.shape[2] * in.shape[3];
  const bool across = p->acrossSpatial != 0, shared = p->channelShared != 0;
  const float eps = p->eps;
  const std::vector<float> scale = p->scale;
  if (scale.empty() || (!shared && static_cast<int>(scale.size()) != c))
    throw std::invalid_argument("Normalize scale size mismatch");
  return makeKernel([=](const std::vector<const Tensor*>& x, const std::vector<Tensor*>& y) {
    for (int b = 0; b < n; ++b) {
      const float* s = x[0]->f.data() + size_t(b) * c * plane;
      float* d = y[0]->f.data() + size_t(b) * c * plane;
      if (across) {
        double sum = 0;
        for (int k = 0; k < c * plane; ++k) sum += double(s[k]) * s[k];
        const float inv = 1.f / std::sqrt(float(sum) + eps);
        for (int ch = 0; ch < c; ++ch)
          for (int k = 0; k < plane; ++k) d[ch * plane + k] = s[ch * plane + k] * inv * scale[shared ? 0 : ch];
      } else {
        for (int k = 0; k < plane; ++k) {
          float sum = 0.f;
          for (int ch = 0; ch < c; ++ch) sum += s[ch * plane + k] * s[ch * plane + k];
          const float inv = 1.f / std::sqrt(sum + eps);
          for (int ch = 0; ch < c; ++ch) d[ch * plane + k] = s[ch * plane + k] * inv * scale[shared ? 0 : ch];
        }
      }
    }
  });
}

}  // namespace

void registerMathOps(OpRegistry& r) {
  r.emplace_back(schema::OpType_BinaryOp, makeBinary);
  r.emplace_back(schema::OpType_Eltwise, makeEltwise);
  r.emplace_back(schema::OpType_UnaryOp, makeUnary);
  r.emplace_back(schema::OpType_Sigmoid, [](OpContext& c) { return unaryKernel(c, UnaryKind::Sigmoid); });
  r.emplace_back(schema::OpType_TanH, [](OpContext& c) { return unaryKernel(c, UnaryKind::Tanh); });
  r.emplace_back(schema::OpType_ReLU, makeRelu);
  r.emplace_back(schema::OpType_ReLU6, makeRelu6);
  r.emplace_back(schema::OpType_PReLU, makePRelu);
  r.emplace_back(schema::OpType_Softmax, makeSoftmax);
  r.emplace_back(schema::OpType_BatchNorm, makeBatchNorm);
  r.emplace_back(schema::OpType_Scale, makeScale);
  r.emplace_back(schema::OpType_Reduction, makeReduction);
  r.emplace_back(schema::OpType_Normalize, makeNormalize);
}

}  // namespace mnnq::exec
