// Pooling (2-D, MNN window/divisor rules from CPUPool). Pooling3D is in pooling3d.cpp.
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

}  // namespace

void registerPoolOps(OpRegistry& r) {
  r.emplace_back(schema::OpType_Pooling, makePooling);
}

}  // namespace mnnq::exec
