// Interp and Resize: output size from MNN's ShapeInterp, sampling coordinates from its
// geometry (_ConverterInterp: scale/offset per coordinate transformation mode).
#include "../kernels/interp.hpp"
#include "../op_kernel.hpp"
#include "interp_geometry.hpp"
#include "spatial.hpp"

namespace mnnq::exec {
namespace {

// scale/offset of one axis: x_src = x_dst * scale + offset.
void axisTransform(const schema::InterpT& p, int ctm, int in, int out, bool computeScale,
                   float& scale, float& offset) {
  offset = 0.f;
  switch (ctm) {
    case schema::CoordinateTransformationMode_NotSet:
      if (p.halfPixelCenters && p.resizeType != 1) {
        if (computeScale) scale = float(in) / float(out);
        offset = 0.5f * scale - 0.5f;
      } else if (p.alignCorners) {
        scale = out == 1 ? 0.f : float(in - 1) / float(out - 1);
      } else if (computeScale) {
        scale = float(in) / float(out);
      }
      break;
    case schema::CoordinateTransformationMode_AlignCorners:
      scale = out == 1 ? 0.f : float(in - 1) / float(out - 1);
      break;
    case schema::CoordinateTransformationMode_HalfPixels:
      if (computeScale) scale = float(in) / float(out);
      offset = 0.5f * scale - 0.5f;
      break;
    case schema::CoordinateTransformationMode_PytorchHalfPixels:
      if (out > 1) {
        if (computeScale) scale = float(in) / float(out);
        offset = 0.5f * scale - 0.5f;
      } else if (computeScale) {
        scale = 0.f;
      }
      break;
    case schema::CoordinateTransformationMode_Asymmetric:
      if (computeScale) scale = float(in) / float(out);
      break;
    case schema::CoordinateTransformationMode_TensorflowHalfPixels:
      if (computeScale) scale = float(in) / float(out);
      offset = 0.5f * scale;
      break;
    default:
      throw UnsupportedOp("Interp coordinate transformation mode " + std::to_string(ctm));
  }
}

}  // namespace

InterpGeometry interpGeometry(const OpContext& ctx, int& outH, int& outW) {
  const auto* p = ctx.op.main.AsInterp();
  if (!p) throw std::invalid_argument("Interp without parameter");
  const TensorInfo& in = ctx.inputs[0];
  const SpatialShape s = spatialShape(in, "Interp");
  outW = 0;
  outH = 0;
  bool computeScale = true;
  float scaleX = p->widthScale, scaleY = p->heightScale;
  const bool nhwc = in.layout == Layout::NHWC;
  if (ctx.numInputs() >= 2 && ctx.inputs[1].present) {
    const Tensor& size = ctx.constant(1, "Interp size");
    const int64_t len = size.elementCount();
    if (len == static_cast<int64_t>(in.shape.size())) {
      // ONNX Resize: full output shape (int) or per-dim scales (float), in the tensor's order.
      const int hd = nhwc ? 1 : 2, wd = nhwc ? 2 : 3;
      if (size.dtype == DType::Int32) {
        if (size.i[0] != s.n || size.i[nhwc ? 3 : 1] != s.c) throw UnsupportedOp("Interp resizing batch or channels");
        outH = size.i[hd];
        outW = size.i[wd];
      } else {
        outH = static_cast<int>(size.f[hd] * s.h);
        outW = static_cast<int>(size.f[wd] * s.w);
        computeScale = false;
        scaleY = 1.f / size.f[hd];
        scaleX = 1.f / size.f[wd];
      }
    } else if (len == 2) {
      const auto v = tensorInts(size);
      outH = v[0];
      outW = v[1];
    } else {
      throw std::invalid_argument("Interp size input has " + std::to_string(len) + " values");
    }
  } else {
    outW = p->outputWidth;
    outH = p->outputHeight;
    if (outW == 0 || outH == 0) {
      outW = static_cast<int>(s.w * p->widthScale);
      outH = static_cast<int>(s.h * p->heightScale);
    }
  }
  if (outW <= 0 || outH <= 0) throw std::invalid_argument("Interp output would be empty");
  InterpGeometry g;
  switch (p->resizeType) {
    case 1: g.mode = InterpMode::Nearest; break;
    case 2: g.mode = InterpMode::Bilinear; break;
    case 3: g.mode = InterpMode::Cubic; break;
    case 4: g.mode = InterpMode::NearestRound; break;
    default: throw UnsupportedOp("Interp resizeType " + std::to_string(p->resizeType));
  }
  axisTransform(*p, p->ctm, s.w, outW, computeScale, scaleX, g.offsetX);
  axisTransform(*p, p->ctm, s.h, outH, computeScale, scaleY, g.offsetY);
  g.scaleX = scaleX;
  g.scaleY = scaleY;
  return g;
}

namespace {

std::unique_ptr<OpKernel> makeInterp(OpContext& ctx) {
  int outH = 0, outW = 0;
  const InterpGeometry g = interpGeometry(ctx, outH, outW);
  const TensorInfo& in = ctx.inputs[0];
  const SpatialShape s = spatialShape(in, "Interp");
  ctx.outputs[0] = spatialOutput(in, s.n, s.c, outH, outW);
  return spatialKernel(in, ctx.outputs[0], [g](const float* x, int n, int c, int h, int w, float* y, int, int oh, int ow) {
    interp2d(x, n * c, h, w, g, y, oh, ow);
  });
}

// Caffe Resize: bilinear with scale in/out and no offset.
std::unique_ptr<OpKernel> makeResize(OpContext& ctx) {
  const auto* p = ctx.op.main.AsResize();
  if (!p) throw std::invalid_argument("Resize without parameter");
  const TensorInfo& in = ctx.inputs[0];
  const SpatialShape s = spatialShape(in, "Resize");
  const int outW = static_cast<int>(s.w * p->xScale), outH = static_cast<int>(s.h * p->yScale);
  if (outW <= 0 || outH <= 0) throw std::invalid_argument("Resize output would be empty");
  InterpGeometry g;
  g.mode = InterpMode::Bilinear;
  g.scaleX = float(s.w) / float(outW);
  g.scaleY = float(s.h) / float(outH);
  ctx.outputs[0] = spatialOutput(in, s.n, s.c, outH, outW);
  return spatialKernel(in, ctx.outputs[0], [g](const float* x, int n, int c, int h, int w, float* y, int, int oh, int ow) {
    interp2d(x, n * c, h, w, g, y, oh, ow);
  });
}

}  // namespace

void registerImageOps(OpRegistry& r) {
  r.emplace_back(schema::OpType_Interp, makeInterp);
  r.emplace_back(schema::OpType_Resize, makeResize);
}

}  // namespace mnnq::exec
