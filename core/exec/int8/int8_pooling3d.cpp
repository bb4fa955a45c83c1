// Windowed Pooling3D under MNN's int8 runtime.
//
// MNN lowers it (GeometryPooling3D) to Raster -> Pooling over (H, W) -> Raster -> Pooling over D
// -> Raster. The quant attribute of the input (or, without one, of the output) propagates to every
// tensor of that chain, so both pools run as CPUPoolInt8 with one attribute A:
//   - kernel clipped to the input size, padding from the Pool3D pads (CAFFE and VALID alike: the
//     int8 pool does not reset VALID pads) or SAME (from the output size, with the clipped kernel);
//   - max: window max of the stored byte q + 128 compared as a *signed* int8 (x86 kernel), so
//     negative q rank above non-negative q; padding is never part of a window;
//   - average: (sum(q + 128) * (2^24 / count)) >> 24 over the window clipped to the input.
// The second pool reads the first one's int8 result; the output holds q dequantised with A.
#include "int8_kernels.hpp"
#include "quantize.hpp"

#include <algorithm>

namespace mnnq::exec::int8 {
namespace {

struct Int8PoolAxis {
  int kernel, stride, pad;
};

Int8PoolAxis poolAxis(int in, int out, int kernel, int stride, int pad, schema::PoolPadType padType) {
  Int8PoolAxis a{std::min(kernel, in), stride, pad};
  if (padType == schema::PoolPadType_SAME) {
    const int need = (out - 1) * stride + a.kernel - in;
    a.pad = need > 0 ? need / 2 : 0;
  }
  return a;
}

// One CPUPoolInt8 over `planes` planes [inH][inW] of q values.
void pool2dInt8(const std::vector<int>& in, int planes, int inH, int inW, const Int8PoolAxis& y,
                const Int8PoolAxis& x, bool isMax, std::vector<int>& out, int outH, int outW) {
  out.assign(size_t(planes) * outH * outW, 0);
  for (int p = 0; p < planes; ++p) {
    const int* src = in.data() + size_t(p) * inH * inW;
    int* dst = out.data() + size_t(p) * outH * outW;
    for (int oy = 0; oy < outH; ++oy) {
      const int iy = oy * y.stride - y.pad;
      const int y0 = std::max(iy, 0), y1 = std::min(iy + y.kernel, inH);
      for (int ox = 0; ox < outW; ++ox) {
        const int ix = ox * x.stride - x.pad;
        const int x0 = std::max(ix, 0), x1 = std::min(ix + x.kernel, inW);
        const int count = (y1 - y0) * (x1 - x0);
        int q = 0;
        if (count > 0 && isMax) {
          int8_t best = -128;
          for (int yy = y0; yy < y1; ++yy)
            for (int xx = x0; xx < x1; ++xx)
              best = std::max(best, static_cast<int8_t>(static_cast<uint8_t>(src[size_t(yy) * inW + xx] + 128)));
          q = static_cast<int>(static_cast<uint8_t>(best)) - 128;
        } else if (count > 0) {
          const uint32_t mul = static_cast<uint32_t>((1 << 24) / count);
          uint32_t sum = 0;
          for (int yy = y0; yy < y1; ++yy)
            for (int xx = x0; xx < x1; ++xx) sum += static_cast<uint32_t>(src[size_t(yy) * inW + xx] + 128);
          q = static_cast<int>(static_cast<uint8_t>((sum * mul) >> 24)) - 128;
        }
        dst[size_t(oy) * outW + ox] = q;
      }
    }
  }
}

}  // namespace

std::unique_ptr<OpKernel> makeWindowedPooling3DInt8(const OpContext& ctx, const QuantAttr& a) {
  const auto& p = *ctx.op.main.AsPool3D();
  const TensorInfo& in = ctx.inputs[0];
  const TensorInfo& out = ctx.outputs[0];
  if (in.shape.size() != 5 || out.shape.size() != 5) throw UnsupportedOp("int8 Pooling3D on a tensor that is not 5-D");
  if (p.type != schema::PoolType_MAXPOOL && p.type != schema::PoolType_AVEPOOL)
    throw UnsupportedOp("int8 Pooling3D pool type " + std::to_string(int(p.type)));
  const int n = in.shape[0], c = in.shape[1], d = in.shape[2], h = in.shape[3], w = in.shape[4];
  const int od = out.shape[2], oh = out.shape[3], ow = out.shape[4];
  const auto padType = p.padType;
  const Int8PoolAxis ay = poolAxis(h, oh, p.kernels[1], p.strides[1], p.pads[1], padType);
  const Int8PoolAxis ax = poolAxis(w, ow, p.kernels[2], p.strides[2], p.pads[2], padType);
  const Int8PoolAxis ad = poolAxis(d, od, p.kernels[0], p.strides[0], p.pads[0], padType);
  // The depth pool's width axis: kernel 1, stride 1, pad 0 (its Pool3D pair is (0, padD)).
  const Int8PoolAxis flat{1, 1, 0};
  const bool isMax = p.type == schema::PoolType_MAXPOOL;
  return makeKernel([=](const std::vector<const Tensor*>& x, const std::vector<Tensor*>& y) {
    std::vector<int> q(x[0]->f.size()), mid, res;
    for (size_t k = 0; k < q.size(); ++k) q[k] = quantize(x[0]->f[k], a);
    pool2dInt8(q, n * c * d, h, w, ay, ax, isMax, mid, oh, ow);
    pool2dInt8(mid, n * c, d, oh * ow, ad, flat, isMax, res, od, oh * ow);
    auto& o = y[0]->f;
    for (size_t k = 0; k < o.size(); ++k) o[k] = dequantize(res[k], a);
  });
}

}  // namespace mnnq::exec::int8
