// Int8 kernels other than convolution, and the dispatch of simulatedKernel().
//
// Several MNN int8 kernels compute in float on dequantised inputs and re-quantise the result
// (Softmax, BinaryOp add/sub/mul, PReLU, Interp, ...). They are simulated by running our float
// kernel on the re-quantised inputs and re-quantising its output with the kernel's own
// rounding: FloatToInt8 (clamp then round half away) or the binary/relu form
// roundf(y / s_out) + zero then clamp.
#include "int8_kernels.hpp"

#include "../ops/interp_geometry.hpp"
#include "../ops/spatial.hpp"
#include "quantize.hpp"


#include <algorithm>
#include <cmath>
#include <optional>

namespace mnnq::exec::int8 {
namespace {

// Cast: FloatToInt8. RoundThenZero: roundf(y / s) + zero (binary ops). RoundWithZero:
// roundf(y / s + zero + 128) - 128 (PReLU, which rounds after adding the x86 byte offset).
enum class Requant { Cast, RoundThenZero, RoundWithZero };

// Kernels outlive the plan: they keep copies of the attributes they use.
using AttrList = std::vector<std::optional<QuantAttr>>;
AttrList copyAttrs(const std::vector<const QuantAttr*>& attrs) {
  AttrList out;
  for (const QuantAttr* a : attrs) out.push_back(a ? std::optional<QuantAttr>(*a) : std::nullopt);
  return out;
}

// Requantise one value with the roundf-then-add-zero form of the binary / relu kernels.
int roundThenZero(float y, const QuantAttr& a, int lo) {
  const float inv = a.scale == 0.f ? 0.f : 1.f / a.scale;
  int v = addWrap(truncToInt(std::round(y * inv)), static_cast<int>(a.zero));
  v = std::min(v, static_cast<int>(a.max));
  return std::max(v, lo);
}

class ViaFloatKernel : public OpKernel {
 public:
  ViaFloatKernel(std::unique_ptr<OpKernel> inner, const std::vector<const QuantAttr*>& in, QuantAttr out,
                 Requant mode, int lo)
      : inner_(std::move(inner)), in_(copyAttrs(in)), out_(out), mode_(mode), lo_(lo) {}
  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) const override {
    std::vector<Tensor> copies(in.size());
    std::vector<const Tensor*> args(in.begin(), in.end());
    for (size_t k = 0; k < in.size() && k < in_.size(); ++k) {
      if (!in[k] || !in_[k] || in[k]->dtype != DType::Float32) continue;
      copies[k] = *in[k];
      for (float& v : copies[k].f) v = fakeQuantize(v, *in_[k]);
      args[k] = &copies[k];
    }
    inner_->run(args, out);
    for (float& v : out[0]->f) {
      int q;
      if (mode_ == Requant::Cast) {
        q = quantize(v, out_);
      } else if (mode_ == Requant::RoundThenZero) {
        q = roundThenZero(v, out_, lo_);
      } else {
        const float inv = out_.scale == 0.f ? 0.f : 1.f / out_.scale;
        q = addWrap(truncToInt(std::round(v * inv + (out_.zero + 128.f))), -128);
        q = std::min(std::max(q, lo_), static_cast<int>(out_.max));
      }
      v = dequantize(q, out_);
    }
  }

 private:
  std::unique_ptr<OpKernel> inner_;
  AttrList in_;
  QuantAttr out_;
  Requant mode_;
  int lo_;
};

// The float kernel's output copied through an int8 Raster: its sources' int8 values.
class Int8RasterKernel : public OpKernel {
 public:
  Int8RasterKernel(std::unique_ptr<OpKernel> inner, const std::vector<const QuantAttr*>& out)
      : inner_(std::move(inner)), out_(copyAttrs(out)) {}
  void run(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) const override {
    inner_->run(in, out);
    for (size_t k = 0; k < out.size() && k < out_.size(); ++k)
      if (out_[k] && out[k]->dtype == DType::Float32)
        for (float& v : out[k]->f) v = fakeQuantize(v, *out_[k]);
  }

 private:
  std::unique_ptr<OpKernel> inner_;
  AttrList out_;
};

// x86 MNNAvgPoolUint8 on u = q + 128: (sum(u) * (2^24 / count)) >> 24 over the window clipped
// to the input (CPUPoolInt8 geometry: kernel clipped to the input size, SAME / caffe pads).
std::unique_ptr<OpKernel> makeAvgPoolInt8(const OpContext& ctx, const QuantAttr& inA, const QuantAttr& outA) {
  const TensorInfo& in = ctx.inputs[0];
  const TensorInfo& out = ctx.outputs[0];
  const SpatialShape si = spatialShape(in, "int8 pooling");
  const SpatialShape so = spatialShape(out, "int8 pooling");
  int kX, kY, sX, sY, padX, padY;
  bool global;
  int padType;
  std::vector<int> pads;
  if (const auto* p = ctx.op.main.AsPool()) {
    kX = p->kernelX;
    kY = p->kernelY;
    sX = p->strideX;
    sY = p->strideY;
    padX = p->padX;
    padY = p->padY;
    global = p->isGlobal;
    padType = p->padType;
    pads = p->pads;
  } else if (const auto* p3 = ctx.op.main.AsPool3D()) {
    if (!p3->isGlobal) throw UnsupportedOp("int8 Pooling3D that is not global");
    kX = kY = sX = sY = 1;
    padX = padY = 0;
    global = true;
    padType = p3->padType;
  } else {
    throw std::invalid_argument("pooling without parameter");
  }
  kX = std::min(kX, si.w);
  kY = std::min(kY, si.h);
  if (global) {
    kX = si.w;
    kY = si.h;
    sX = si.w;
    sY = si.h;
    padX = padY = 0;
  }
  if (padType == schema::PoolPadType_SAME) {
    const int needW = (so.w - 1) * sX + kX - si.w, needH = (so.h - 1) * sY + kY - si.h;
    padX = needW > 0 ? needW / 2 : 0;
    padY = needH > 0 ? needH / 2 : 0;
  }
  if (!global && pads.size() == 4 && padType == schema::PoolPadType_CAFFE) {
    padY = pads[0];
    padX = pads[1];
  }
  return spatialKernel(in, out, [=](const float* x, int n, int c, int h, int w, float* y, int, int oh, int ow) {
    for (int p = 0; p < n * c; ++p) {
      const float* xp = x + size_t(p) * h * w;
      float* yp = y + size_t(p) * oh * ow;
      for (int oy = 0; oy < oh; ++oy) {
        const int iy = oy * sY - padY;
        const int y0 = std::max(iy, 0), y1 = std::min(iy + kY, h);
        for (int ox = 0; ox < ow; ++ox) {
          const int ix = ox * sX - padX;
          const int x0 = std::max(ix, 0), x1 = std::min(ix + kX, w);
          const int count = (y1 - y0) * (x1 - x0);
          if (count <= 0) {
            yp[size_t(oy) * ow + ox] = 0.f;
            continue;
          }
          const uint32_t mul = static_cast<uint32_t>((1 << 24) / count);
          uint32_t sum = 0;
          for (int yy = y0; yy < y1; ++yy)
            for (int xx = x0; xx < x1; ++xx) sum += static_cast<uint32_t>(quantize(xp[size_t(yy) * w + xx], inA) + 128);
          const int q = static_cast<int>(static_cast<uint8_t>((sum * mul) >> 24)) - 128;
          yp[size_t(oy) * ow + ox] = dequantize(q, outA);
        }
      }
    }
  });
}

// Max pooling on the int8 values, read with the output's attribute (equal scale and zero by
// the int8 rule), without any clamp. MNN's x86 kernel compares the stored bytes u = q + 128 as
// *signed* int8, so the window maximum is taken over key(q) = int8(uint8(q + 128)): every
// negative q ranks above every non-negative one. Reproduced as is.
std::unique_ptr<OpKernel> makeMaxPoolInt8(std::unique_ptr<OpKernel> floatKernel, const QuantAttr& inA,
                                          const QuantAttr& outA) {
  std::shared_ptr<OpKernel> inner(std::move(floatKernel));
  return makeKernel([=](const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) {
    Tensor q = *in[0];
    for (float& v : q.f)
      v = static_cast<float>(static_cast<int8_t>(static_cast<uint8_t>(quantize(v, inA) + 128)));
    inner->run({&q}, out);
    for (float& v : out[0]->f)
      v = dequantize(static_cast<int>(static_cast<uint8_t>(static_cast<int8_t>(truncToInt(v)))) - 128, outA);
  });
}

// Interp on int8 values (CPUInterp int8 path). The values are resampled without any rescale:
// q_out is read with the output's attribute even if its scale differs from the input's.
// Nearest modes copy q; bilinear uses 7-bit weights, int16 = trunc(f*128), (1-f)*128 per axis,
// horizontal sums of (q - zero_in) kept in int16, vertical sum rounded half away by 2^14, then
// zero_out added with 8-bit wrap-around. Cubic falls back to float resampling between casts.
std::unique_ptr<OpKernel> makeInterpInt8(const OpContext& ctx, std::unique_ptr<OpKernel> floatKernel,
                                         const QuantAttr& inA, const QuantAttr& outA) {
  const int type = ctx.op.main.AsInterp()->resizeType;
  if (type != 1 && type != 2 && type != 4) {
    const std::vector<const QuantAttr*> ins = {&inA};
    return std::make_unique<ViaFloatKernel>(std::move(floatKernel), ins, outA, Requant::Cast, 0);
  }
  std::shared_ptr<OpKernel> inner(std::move(floatKernel));
  if (type == 1 || type == 4) {
    return makeKernel([=](const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) {
      std::vector<const Tensor*> args(in.begin(), in.end());
      Tensor q = *in[0];
      for (float& v : q.f) v = static_cast<float>(quantize(v, inA));
      args[0] = &q;
      inner->run(args, out);
      for (float& v : out[0]->f) v = dequantize(truncToInt(v), outA);
    });
  }
  int outH = 0, outW = 0;
  const InterpGeometry g = interpGeometry(ctx, outH, outW);
  return spatialKernel(ctx.inputs[0], ctx.outputs[0],
                       [=](const float* x, int n, int c, int h, int w, float* y, int, int oh, int ow) {
    auto axis = [](int outLen, int inLen, float scale, float offset, std::vector<int>& pos,
                   std::vector<float>& factor) {
      pos.resize(2 * outLen);
      factor.resize(outLen);
      for (int k = 0; k < outLen; ++k) {
        const float src = k * scale + offset;
        const int p1 = static_cast<int>(std::floor(src));
        factor[k] = src - p1;
        pos[2 * k] = std::min(std::max(p1, 0), inLen - 1);
        pos[2 * k + 1] = std::min(std::max(p1 + 1, 0), inLen - 1);
      }
    };
    std::vector<int> wPos, hPos;
    std::vector<float> wF, hF;
    axis(ow, w, g.scaleX, g.offsetX, wPos, wF);
    axis(oh, h, g.scaleY, g.offsetY, hPos, hF);
    const int zIn = static_cast<int>(inA.zero), zOut = static_cast<int>(outA.zero);
    std::vector<int16_t> row0(ow), row1(ow);
    std::vector<int> qPlane(size_t(h) * w);
    auto sampleRow = [&](int iy, std::vector<int16_t>& dst) {
      const int* src = qPlane.data() + size_t(iy) * w;
      for (int k = 0; k < ow; ++k) {
        const int16_t df = static_cast<int16_t>(wF[k] * 128);
        const int16_t sf = static_cast<int16_t>((1 - wF[k]) * 128);
        const int a = src[wPos[2 * k]] - zIn, b = src[wPos[2 * k + 1]] - zIn;
        dst[k] = static_cast<int16_t>(a * sf + b * df);
      }
    };
    for (int p = 0; p < n * c; ++p) {
      const float* xp = x + size_t(p) * h * w;
      for (size_t k = 0; k < qPlane.size(); ++k) qPlane[k] = quantize(xp[k], inA);
      float* yp = y + size_t(p) * oh * ow;
      for (int dy = 0; dy < oh; ++dy) {
        sampleRow(hPos[2 * dy], row0);
        sampleRow(hPos[2 * dy + 1], row1);
        const int16_t df = static_cast<int16_t>(hF[dy] * 128);
        const int16_t sf = static_cast<int16_t>((1 - hF[dy]) * 128);
        for (int k = 0; k < ow; ++k) {
          const int32_t val = row0[k] * sf + row1[k] * df;
          const int8_t v = static_cast<int8_t>(val < 0 ? (val - (1 << 13)) / (1 << 14) : (val + (1 << 13)) / (1 << 14));
          const uint8_t stored = static_cast<uint8_t>(v + 128 + zOut);
          yp[size_t(dy) * ow + k] = dequantize(static_cast<int>(stored) - 128, outA);
        }
      }
    }
  });
}

// ReLU in int8 (input and output share one attribute): q_out = max(q, zero), 16 bytes at a
// time. The elements after the last full 16 (in MNN's memory order) go through a scalar loop
// that compares the stored bytes q+128 as signed int8 against zero: q >= 0 then becomes the
// byte `zero` (q = (zero & 255) - 128) and q < 0 passes unchanged. MNN's memory order for an
// NC4HW4 tensor on AVX2 is [C/8][N][H*W][8] (channels padded to 8), so that tail is the last
// pixel of the last batch in the last channel block when N*H*W is odd; other layouts are
// plain row-major.
std::unique_ptr<OpKernel> makeReluInt8(const OpContext& ctx, const QuantAttr& a) {
  const TensorInfo& in = ctx.inputs[0];
  std::vector<int64_t> tail;  // our flat indexes of the tail elements
  if (in.layout == Layout::NC4HW4 && in.shape.size() >= 2) {
    const int64_t n = in.shape[0], c = in.shape[1];
    int64_t hw = 1;
    for (size_t d = 2; d < in.shape.size(); ++d) hw *= in.shape[d];
    const int64_t cPad = (c + 7) / 8 * 8;
    if ((cPad * n * hw) % 16 == 8)
      for (int64_t ch = cPad - 8; ch < c; ++ch) tail.push_back(((n - 1) * c + ch) * hw + hw - 1);
  } else {
    const int64_t size = in.elementCount();
    for (int64_t k = size / 16 * 16; k < size; ++k) tail.push_back(k);
  }
  return makeKernel([a, tail](const std::vector<const Tensor*>& inT, const std::vector<Tensor*>& out) {
    const auto& x = inT[0]->f;
    auto& y = out[0]->f;
    const int zero = static_cast<int>(a.zero);
    for (size_t k = 0; k < x.size(); ++k) y[k] = dequantize(std::max(quantize(x[k], a), zero), a);
    for (int64_t k : tail) {
      const int q = quantize(x[k], a);
      const int8_t stored = static_cast<int8_t>(static_cast<uint8_t>(q + 128));
      y[k] = dequantize(stored > static_cast<int8_t>(zero) ? q : (zero & 255) - 128, a);
    }
  });
}

// Scale (per-channel a*x+b) in int8 as CPUScaleInt8: 15-bit fixed-point multiplier
// round(scale * s_in / s_out * 2^15) and bias round(bias / s_out * 2^15); the int32 result is
// divided by 2^15 rounding half away, zero_out added, clamped to [min_out, max_out].
std::unique_ptr<OpKernel> makeScaleInt8(const OpContext& ctx, const QuantAttr& inA, const QuantAttr& outA) {
  const auto* sp = ctx.op.main.AsScale();
  if (!sp) throw std::invalid_argument("Scale without parameter");
  const TensorInfo& in = ctx.inputs[0];
  const bool nhwc = in.layout == Layout::NHWC;
  const int channels = in.shape.size() >= 2 ? (nhwc ? in.shape.back() : in.shape[1]) : 1;
  if (static_cast<int>(sp->scaleData.size()) < channels)
    throw std::invalid_argument("Scale has " + std::to_string(sp->scaleData.size()) + " scales for " +
                                std::to_string(channels) + " channels");
  int64_t plane = 1;
  for (size_t d = nhwc ? 1 : 2; d < in.shape.size() - (nhwc ? 1 : 0); ++d) plane *= in.shape[d];
  const float outInv = outA.scale == 0.f ? 0.f : 1.f / outA.scale;
  std::vector<int32_t> mul(channels), add(channels, 0);
  for (int c = 0; c < channels; ++c) {
    mul[c] = truncToInt(std::round(sp->scaleData[c] * inA.scale * outInv * float(1 << 15)));
    if (c < static_cast<int>(sp->biasData.size()))
      add[c] = truncToInt(std::round(sp->biasData[c] * outInv * float(1 << 15)));
  }
  return makeKernel([=](const std::vector<const Tensor*>& inT, const std::vector<Tensor*>& out) {
    const auto& x = inT[0]->f;
    auto& y = out[0]->f;
    const int zIn = static_cast<int>(inA.zero), zOut = static_cast<int>(outA.zero);
    for (size_t k = 0; k < x.size(); ++k) {
      const int c = nhwc ? static_cast<int>(k % channels) : static_cast<int>((k / plane) % channels);
      // 32-bit arithmetic wrapping as MNN's does (a multiplier near 2^31 overflows).
      const int32_t val = addWrap(static_cast<int32_t>(static_cast<uint32_t>(quantize(x[k], inA) - zIn) *
                                                       static_cast<uint32_t>(mul[c])),
                                  add[c]);
      int q = (val < 0 ? addWrap(val, -(1 << 14)) / (1 << 15) : addWrap(val, 1 << 14) / (1 << 15)) + zOut;
      q = std::min(std::max(q, static_cast<int>(outA.min)), static_cast<int>(outA.max));
      y[k] = dequantize(q, outA);
    }
  });
}

// UnaryOp with a 255-entry lookup table indexed by q + 127. MNN (CPUUnary) copies the table
// into a std::vector<int8_t>(255) and reads table[q + 127] unchecked, so an input q = -128 (an
// attribute with min -128, e.g. an EMA convolution output) reads the byte before the vector's
// storage: with glibc's allocator that is the top byte of the chunk's size field, 0. Measured
// with MNN 3.6.1 (tests/exec/data/int8_segmentation, EMA file): every q = -128 gave output q 0.
std::unique_ptr<OpKernel> makeUnaryTable(const OpContext& ctx, const QuantAttr& inA, const QuantAttr& outA) {
  const auto& table = ctx.op.main.AsUnaryOp()->tableInt8;
  if (table.size() < 255) throw std::invalid_argument("UnaryOp.tableInt8 has fewer than 255 entries");
  std::vector<int8_t> t(table.begin(), table.begin() + 255);
  return makeKernel([t, inA, outA](const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) {
    const auto& x = in[0]->f;
    auto& y = out[0]->f;
    for (size_t k = 0; k < x.size(); ++k) {
      const int idx = std::min(quantize(x[k], inA) + 127, 254);
      y[k] = dequantize(idx < 0 ? 0 : t[idx], outA);
    }
  });
}

// BinaryOp MAXIMUM / MINIMUM: MNN compares the inputs in 16.16 fixed point (scale truncated)
// and writes the rounded fixed-point value without dividing by the output scale.
std::unique_ptr<OpKernel> makeBinaryMinMaxInt8(const OpContext& ctx, std::unique_ptr<OpKernel> floatKernel,
                                               const QuantAttr& a0, const QuantAttr& a1, const QuantAttr& outA,
                                               bool isMax) {
  (void)ctx;
  const int64_t s0 = truncToInt<int64_t>(a0.scale * 65536.f), s1 = truncToInt<int64_t>(a1.scale * 65536.f);
  std::shared_ptr<OpKernel> inner(std::move(floatKernel));
  return makeKernel([=](const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) {
    // Broadcasting is done by the float kernel on the quantised integers.
    Tensor q0 = *in[0], q1 = *in[1];
    // 64-bit products wrapping on overflow (a scale above 2^47 gives an indefinite multiplier).
    auto fixed = [](int q, int64_t s) {
      return static_cast<float>(static_cast<int64_t>(static_cast<uint64_t>(static_cast<int64_t>(q)) * static_cast<uint64_t>(s)));
    };
    for (float& v : q0.f) v = fixed(quantize(v, a0) - static_cast<int>(a0.zero), s0);
    for (float& v : q1.f) v = fixed(quantize(v, a1) - static_cast<int>(a1.zero), s1);
    inner->run({&q0, &q1}, out);
    for (float& v : out[0]->f) {
      const int32_t res = truncToInt(v);
      int q = res < 0 ? addWrap(res, -(1 << 15)) / (1 << 16) : addWrap(res, 1 << 15) / (1 << 16);
      q += static_cast<int>(outA.zero);
      q = std::min(std::max(q, static_cast<int>(outA.min)), static_cast<int>(outA.max));
      v = dequantize(q, outA);
    }
    (void)isMax;
  });
}

}  // namespace

std::unique_ptr<OpKernel> simulatedKernel(const Int8Plan& plan, int op, const OpContext& ctx,
                                          std::unique_ptr<OpKernel> floatKernel) {
  const auto& o = ctx.op;
  // MNN lowers a windowed Pooling3D to Raster + Pooling + Raster + Pooling + Raster; a quant
  // attribute of its input (forward) or else of its output (backward) propagates through all of
  // them, and MNN then runs both pools in int8 (int8_pooling3d.cpp).
  if (o.type == schema::OpType_Pooling3D && o.main.AsPool3D() && !o.main.AsPool3D()->isGlobal &&
      !o.inputIndexes.empty() && !o.outputIndexes.empty()) {
    const QuantAttr* a = plan.attr(o.inputIndexes[0]);
    if (!a) a = plan.attr(o.outputIndexes[0]);
    if (a && !a->int8) throw UnsupportedOp("windowed Pooling3D next to a non-int8 quant attribute");
    if (a) return makeWindowedPooling3DInt8(ctx, *a);
  }
  if (!plan.int8Op(op)) {
    // Data movement copied by an int8 Raster, or a float op whose result MNN copies to its
    // output with one (Normalize).
    std::vector<const QuantAttr*> outs;
    bool any = false;
    for (int t : o.outputIndexes) {
      const bool r = plan.int8Raster(t);
      outs.push_back(r ? plan.attr(t) : nullptr);
      any = any || r;
    }
    if (!any) return floatKernel;
    return std::make_unique<Int8RasterKernel>(std::move(floatKernel), outs);
  }
  std::vector<const QuantAttr*> ins;
  for (int t : o.inputIndexes) ins.push_back(t >= 0 ? plan.attr(t) : nullptr);
  if (o.type == schema::OpType_Interp) ins.resize(1);
  const QuantAttr* outA = plan.attr(o.outputIndexes[0]);
  if (!outA || ins.empty() || !ins[0]) throw std::logic_error("int8 op without quant attributes");
  const QuantAttr& in0 = *ins[0];
  switch (o.type) {
    case schema::OpType_Convolution:
    case schema::OpType_ConvolutionDepthwise: {
      // From an int8 producer the convolution reads the raw bytes: q = -128 too when the
      // attribute says min -127 (an int8 Interp or pool writes -128 regardless; measured with
      // MNN 3.6.1 on tests/exec/data/int8_interp_chain, EMA file).
      QuantAttr in = in0;
      if (plan.int8Produced(o.inputIndexes[0])) {
        in.min = -128.f;
        in.max = 127.f;
      }
      return makeConvInt8(ctx, in, *outA);
    }
    case schema::OpType_Pooling:
    case schema::OpType_Pooling3D: {
      const bool isMax = o.main.AsPool() ? o.main.AsPool()->type == schema::PoolType_MAXPOOL
                                         : o.main.AsPool3D()->type == schema::PoolType_MAXPOOL;
      if (isMax) return makeMaxPoolInt8(std::move(floatKernel), in0, *outA);
      return makeAvgPoolInt8(ctx, in0, *outA);
    }
    case schema::OpType_UnaryOp:
      if (!o.main.AsUnaryOp()->tableInt8.empty()) return makeUnaryTable(ctx, in0, *outA);
      return std::make_unique<ViaFloatKernel>(std::move(floatKernel), ins, *outA, Requant::RoundThenZero,
                                              static_cast<int>(outA->min));
    case schema::OpType_BinaryOp: {
      const auto* b = o.main.AsBinaryOp();
      if (ins.size() < 2 || !ins[1]) throw std::logic_error("int8 BinaryOp without quant attributes");
      if (b->opType == schema::BinaryOpOperation_MAXIMUM || b->opType == schema::BinaryOpOperation_MINIMUM)
        return makeBinaryMinMaxInt8(ctx, std::move(floatKernel), in0, *ins[1], *outA,
                                    b->opType == schema::BinaryOpOperation_MAXIMUM);
      const int lo = b->activationType == 1 ? 0 : static_cast<int>(outA->min);
      return std::make_unique<ViaFloatKernel>(std::move(floatKernel), ins, *outA, Requant::RoundThenZero, lo);
    }
    case schema::OpType_Interp:
      return makeInterpInt8(ctx, std::move(floatKernel), in0, *outA);
    case schema::OpType_Scale:
      return makeScaleInt8(ctx, in0, *outA);
    case schema::OpType_ReLU:
      return makeReluInt8(ctx, *outA);
    case schema::OpType_PReLU:
      return std::make_unique<ViaFloatKernel>(std::move(floatKernel), ins, *outA, Requant::RoundWithZero,
                                              static_cast<int>(outA->min));
    default:  // Softmax, LayerNorm: float compute between the casts
      return std::make_unique<ViaFloatKernel>(std::move(floatKernel), ins, *outA, Requant::Cast, 0);
  }
}

}  // namespace mnnq::exec::int8
