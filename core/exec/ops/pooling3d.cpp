// Pooling3D, global and windowed.
//
// Global: one reduction over every spatial dim (MNN lowers the 4-D form to a global 2-D pool).
// Windowed (5-D [N, C, D, H, W] only, as MNN's GeometryPooling3D): output sizes from
// ShapePool3D (CAFFE: (in + 2*pad - k) / s + 1, SAME: ceil(in / s), VALID: (in - k) / s + 1),
// then two 2-D pools exactly as MNN's lowering runs them:
//   1. over (H, W) of every (n, c, d) plane, kernel/stride/pad of H and W, the Pool3D pad type
//      and the default count type (caffe pads: average counts the padding; SAME: it does not);
//   2. over D of every (n, c) plane seen as [D][OH*OW], kernel/stride/pad of D, average
//      excluding the padding.
// So a caffe-padded average divides by (H/W window including padding) x (D window without it),
// which is MNN's result, not the textbook 3-D average.
#include "../kernels/pooling.hpp"
#include "../op_kernel.hpp"

#include <cmath>

namespace mnnq::exec {
namespace {

std::unique_ptr<OpKernel> makeGlobalPooling3D(OpContext& ctx, bool isMax) {
  const TensorInfo& in = ctx.inputs[0];
  if (in.shape.size() < 3) throw UnsupportedOp("Pooling3D on a tensor of rank < 3");
  const bool nhwc = in.layout == Layout::NHWC;
  TensorInfo out = in;
  int64_t spatial = 1;
  const int rank = static_cast<int>(in.shape.size());
  for (int d = nhwc ? 1 : 2; d < (nhwc ? rank - 1 : rank); ++d) {
    spatial *= in.shape[d];
    out.shape[d] = 1;
  }
  ctx.outputs[0] = out;
  const int64_t n = in.shape[0], c = nhwc ? in.shape[rank - 1] : in.shape[1];
  return makeKernel([=](const std::vector<const Tensor*>& x, const std::vector<Tensor*>& y) {
    const float* src = x[0]->f.data();
    float* dst = y[0]->f.data();
    for (int64_t b = 0; b < n; ++b)
      for (int64_t ch = 0; ch < c; ++ch) {
        float acc = isMax ? -INFINITY : 0.f;
        for (int64_t k = 0; k < spatial; ++k) {
          const float v = nhwc ? src[(b * spatial + k) * c + ch] : src[(b * c + ch) * spatial + k];
          acc = isMax ? std::max(acc, v) : acc + v;
        }
        dst[b * c + ch] = isMax ? acc : acc * (1.f / spatial);
      }
  });
}

// Output length of one axis (ShapePool3D).
int pooledLength(int in, int kernel, int stride, int pad, schema::PoolPadType padType) {
  switch (padType) {
    case schema::PoolPadType_CAFFE: return (in + 2 * pad - kernel) / stride + 1;
    case schema::PoolPadType_SAME: return (in + stride - 1) / stride;
    case schema::PoolPadType_VALID: return (in - kernel) / stride + 1;
    default: throw UnsupportedOp("Pooling3D pad type " + std::to_string(int(padType)));
  }
}

// Leading pad of one axis as CPUPool derives it from the pad type and the output length.
int leadingPad(int in, int out, int kernel, int stride, int pad, schema::PoolPadType padType) {
  if (padType == schema::PoolPadType_SAME) {
    const int need = (out - 1) * stride + kernel - in;
    return need > 0 ? need / 2 : 0;
  }
  return padType == schema::PoolPadType_VALID ? 0 : pad;
}

std::unique_ptr<OpKernel> makeWindowedPooling3D(OpContext& ctx, const schema::Pool3DT& p) {
  const TensorInfo& in = ctx.inputs[0];
  if (in.shape.size() != 5 || in.layout == Layout::NHWC)
    throw UnsupportedOp("windowed Pooling3D needs a 5-D [N, C, D, H, W] tensor (MNN lowers only that form)");
  if (p.kernels.size() != 3 || p.strides.size() != 3 || p.pads.size() != 3)
    throw UnsupportedOp("windowed Pooling3D needs 3 kernels, strides and pads (MNN reads three of each)");
  for (int k = 0; k < 3; ++k)
    if (p.kernels[k] <= 0 || p.strides[k] <= 0 || p.pads[k] < 0)
      throw std::invalid_argument("Pooling3D kernels and strides must be positive, pads not negative");
  const int n = in.shape[0], c = in.shape[1], d = in.shape[2], h = in.shape[3], w = in.shape[4];
  const auto padType = p.padType;
  const int od = pooledLength(d, p.kernels[0], p.strides[0], p.pads[0], padType);
  const int oh = pooledLength(h, p.kernels[1], p.strides[1], p.pads[1], padType);
  const int ow = pooledLength(w, p.kernels[2], p.strides[2], p.pads[2], padType);
  if (od <= 0 || oh <= 0 || ow <= 0) throw std::invalid_argument("Pooling3D output would be empty");
  const bool isMax = p.type == schema::PoolType_MAXPOOL;
  if (!isMax && p.type != schema::PoolType_AVEPOOL) throw UnsupportedOp("Pooling3D pool type " + std::to_string(int(p.type)));

  PoolGeometry plane;  // stage 1: (H, W)
  plane.isMax = isMax;
  plane.kernelY = p.kernels[1];
  plane.kernelX = p.kernels[2];
  plane.strideY = p.strides[1];
  plane.strideX = p.strides[2];
  plane.padTop = leadingPad(h, oh, p.kernels[1], p.strides[1], p.pads[1], padType);
  plane.padLeft = leadingPad(w, ow, p.kernels[2], p.strides[2], p.pads[2], padType);
  plane.countPadding = padType == schema::PoolPadType_CAFFE;
  PoolGeometry depth;  // stage 2: D, as the height of a [D][OH*OW] plane
  depth.isMax = isMax;
  depth.kernelY = p.kernels[0];
  depth.strideY = p.strides[0];
  depth.padTop = leadingPad(d, od, p.kernels[0], p.strides[0], p.pads[0], padType);
  depth.countPadding = false;

  TensorInfo out = in;
  out.shape = {n, c, od, oh, ow};
  ctx.outputs[0] = out;
  return writingAllOutputs(makeKernel([=](const std::vector<const Tensor*>& x, const std::vector<Tensor*>& y) {
    std::vector<float> mid(size_t(n) * c * d * oh * ow);
    pool2d(x[0]->f.data(), n * c * d, h, w, plane, mid.data(), oh, ow);
    pool2d(mid.data(), n * c, d, oh * ow, depth, y[0]->f.data(), od, oh * ow);
  }));
}

std::unique_ptr<OpKernel> makePooling3D(OpContext& ctx) {
  const auto* p = ctx.op.main.AsPool3D();
  if (!p) throw std::invalid_argument("Pooling3D without Pool3D parameter");
  if (p->isGlobal) return makeGlobalPooling3D(ctx, p->type == schema::PoolType_MAXPOOL);
  return makeWindowedPooling3D(ctx, *p);
}

}  // namespace

void registerPooling3D(OpRegistry& r) { r.emplace_back(schema::OpType_Pooling3D, makePooling3D); }

}  // namespace mnnq::exec
