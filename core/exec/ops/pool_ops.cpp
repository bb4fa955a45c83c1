// Pooling (2-D, MNN window/divisor rules from CPUPool) and Pooling3D (global form).
#include "../kernels/pooling.hpp"
#include "../op_kernel.hpp"
#include "spatial.hpp"

#include <cmath>

namespace mnnq::exec {
namespace {

std::unique_ptr<OpKernel> makePooling(OpContext& ctx) {
  const auto* p = ctx.op.main.AsPool();
  if (!p) throw std::invalid_argument("Pooling without Pool parameter");
  if (ctx.outputs.size() != 1) throw UnsupportedOp("Pooling with an index output");
  const TensorInfo& in = ctx.inputs[0];
  const SpatialShape s = spatialShape(in, "Pooling");
  PoolGeometry g;
  g.isMax = p->type == schema::PoolType_MAXPOOL;
  int outW = 1, outH = 1;
  int padX = p->padX, padY = p->padY;
  int kX = p->kernelX, kY = p->kernelY, sX = p->strideX, sY = p->strideY;
  auto padType = p->padType;
  if (p->isGlobal) {
    kX = s.w;
    kY = s.h;
    sX = s.w;
    sY = s.h;
    padX = padY = 0;
  } else {
    if (sX <= 0 || sY <= 0) throw std::invalid_argument("Pooling stride must be positive");
    int w = s.w, h = s.h;
    if (p->pads.size() == 2) {
      h += p->pads[0] + p->pads[1];
    } else if (p->pads.size() == 4) {
      w += p->pads[1] + p->pads[3];
      h += p->pads[0] + p->pads[2];
    } else {
      w += 2 * padX;
      h += 2 * padY;
    }
    const int kw = std::min(kX, w), kh = std::min(kY, h);
    if (padType == schema::PoolPadType_SAME) {
      outW = (w + sX - 1) / sX;
      outH = (h + sY - 1) / sY;
    } else if (padType == schema::PoolPadType_VALID) {
      outW = (w - kw + sX) / sX;
      outH = (h - kh + sY) / sY;
    } else if (p->ceilModel) {
      outW = (w - kw + sX - 1) / sX + 1;
      outH = (h - kh + sY - 1) / sY + 1;
    } else {
      outW = (w - kw) / sX + 1;
      outH = (h - kh) / sY + 1;
    }
  }
  if (outW <= 0 || outH <= 0) throw std::invalid_argument("Pooling output would be empty");
  if (padType == schema::PoolPadType_SAME) {
    const int needW = (outW - 1) * sX + kX - s.w, needH = (outH - 1) * sY + kY - s.h;
    padX = needW > 0 ? needW / 2 : 0;
    padY = needH > 0 ? needH / 2 : 0;
  } else if (padType == schema::PoolPadType_VALID) {
    padX = padY = 0;
  }
  if (!p->isGlobal && !p->pads.empty() && padType == schema::PoolPadType_CAFFE) {
    if (p->pads.size() == 4) {
      padY = p->pads[0];
      padX = p->pads[1];
    }
    padType = schema::PoolPadType_VALID;  // what MNN then uses for the divisor default
  }
  auto count = p->countType;
  if (count == schema::AvgPoolCountType_DEFAULT)
    count = padType == schema::PoolPadType_CAFFE ? schema::AvgPoolCountType_INCLUDE_PADDING
                                                 : schema::AvgPoolCountType_EXCLUDE_PADDING;
  g.countPadding = count == schema::AvgPoolCountType_INCLUDE_PADDING;
  g.kernelX = kX;
  g.kernelY = kY;
  g.strideX = sX;
  g.strideY = sY;
  g.padLeft = padX;
  g.padTop = padY;
  ctx.outputs[0] = spatialOutput(in, s.n, s.c, outH, outW);
  // pool2d stores every output element.
  return writingAllOutputs(spatialKernel(in, ctx.outputs[0], [g](const float* x, int n, int c, int h, int w, float* y, int, int oh, int ow) {
    pool2d(x, n * c, h, w, g, y, oh, ow);
  }));
}

// Global Pooling3D over every spatial dim (MNN lowers the 4-D form to a global 2-D pool).
std::unique_ptr<OpKernel> makePooling3D(OpContext& ctx) {
  const auto* p = ctx.op.main.AsPool3D();
  if (!p) throw std::invalid_argument("Pooling3D without Pool3D parameter");
  if (!p->isGlobal) throw UnsupportedOp("non-global Pooling3D");
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
  const bool isMax = p->type == schema::PoolType_MAXPOOL;
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

}  // namespace

void registerPoolOps(OpRegistry& r) {
  r.emplace_back(schema::OpType_Pooling, makePooling);
  r.emplace_back(schema::OpType_Pooling3D, makePooling3D);
}

}  // namespace mnnq::exec
