// Int8 convolution and depthwise convolution with the arithmetic of MNN's CPU executors
// (DenseConvInt8TiledExecutor and CPUDepthwiseConvInt8, x86 build; mnn-quantizer-facts.md D.3):
//  * weights: the coded int8 values and per-output-channel alpha of IDSTQuan;
//  * x86 kernels work on unsigned inputs u = q + 128, padding is u = zero_in + 128, and the
//    128 offset is folded into the bias terms below, so integer sums are exact;
//  * dense: f = float(sum w*u) * alpha * (s_in/s_out) + biasF, biasF = (bias - sum(w)*alpha *
//    (zero_in + 128) * s_in) / s_out + zero_out; f clamped to [lo, max_out] then rounded;
//  * depthwise: an int32 bias int(bias / (s_in*alpha)) - sum(w)*(zero_in+128) +
//    int(zero_out/scale) (note the truncations), f = float(sum + biasInt) * scale with
//    scale = alpha * (s_in/s_out), rounded then clamped;
//  * lo = zero_out when the conv has a fused relu/relu6, else the output attribute's min.
#include "int8_kernels.hpp"

#include "../kernels/gemm.hpp"
#include "../kernels/simd.hpp"
#include "../ops/spatial.hpp"
#include "mnnq/core/idst_codec.hpp"
#include "quantize.hpp"

#include <cblas.h>

#include <algorithm>

namespace mnnq::exec::int8 {
namespace {

struct ConvInt8Params {
  int group = 1, inPerGroup = 0, outChannels = 0;
  int kY = 1, kX = 1, sY = 1, sX = 1, dY = 1, dX = 1, padY = 0, padX = 0;
  std::vector<int8_t> weight;  // [oc][inPerGroup][kY][kX]
  std::vector<int32_t> weightSum;  // per output channel
  // Dense convolutions: the same integers as floats or doubles for the GEMM (convInt8Sums).
  std::vector<float> weightF;
  std::vector<double> weightD;
  std::vector<float> alpha, bias;
  bool depthwise = false;
  bool relu = false;
  QuantAttr in, out;
};

// Largest number of products per output for which float sums of w * u stay exact:
// 512 * 128 * 255 < 2^24.
constexpr int kFloatExactTerms = 512;

void gemmT(int M, int N, int K, const float* A, const float* B, float* C) {
  gemm(false, false, M, N, K, 1.f, A, K, B, N, 0.f, C, N);
}
void gemmT(int M, int N, int K, const double* A, const double* B, double* C) {
  if (M == 0 || N == 0) return;
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0, A, K, B, N, 0.0, C, N);
}
const std::vector<float>& weightsOf(const ConvInt8Params& P, float*) { return P.weightF; }
const std::vector<double>& weightsOf(const ConvInt8Params& P, double*) { return P.weightD; }

// Inlined into the two MNNQ_HOT entry points below, so its loops are vectorised for AVX2 in
// their x86-64-v3 clone; the file is built with -ffp-contract=off, so no multiply-add is fused
// and both clones compute the same floats (the integer sums are exact in any case).
template <class T>
__attribute__((always_inline)) inline void convInt8Sums(const ConvInt8Params& P, const float* x, int n, int ch,
                                                        int h, int w, float* y, int oc, int oh, int ow) {
  // Padded unsigned input plane per channel: u = q + 128, padding u = zero + 128.
  const int padB = std::max(0, (oh - 1) * P.sY + (P.kY - 1) * P.dY + 1 - h - P.padY);
  const int padR = std::max(0, (ow - 1) * P.sX + (P.kX - 1) * P.dX + 1 - w - P.padX);
  const int ph = h + P.padY + padB, pw = w + P.padX + padR;
  const T padValue = static_cast<T>(static_cast<int>(P.in.zero) + 128);
  const int kArea = P.kY * P.kX;
  const int K = P.inPerGroup * kArea;
  const int N = oh * ow;
  std::vector<T> u(size_t(ch) * ph * pw);
  std::vector<T> sums(size_t(oc) * N);
  std::vector<T> cols;
  std::vector<T> phases;  // depthwise with stride > 1: a plane split by column phase
  const float scaleX = P.in.scale / P.out.scale;
  const float clampMax = static_cast<float>(static_cast<int8_t>(P.out.max));
  const float clampMin = P.relu ? P.out.zero : static_cast<float>(static_cast<int8_t>(P.out.min));
  const int ocPerGroup = oc / P.group;
  // Local copies: stores to float outputs could otherwise alias them and keep the loops scalar.
  const QuantAttr inA = P.in, outA = P.out;
  for (int b = 0; b < n; ++b) {
    const float* xb = x + size_t(b) * ch * h * w;
    std::fill(u.begin(), u.end(), padValue);
    // SAME padding can come out negative (MNN's convolutionPad: a kernel narrower than the
    // stride); the first -pad input rows / columns are then never read and are not stored.
    const int y0 = std::max(0, -P.padY), x0 = std::max(0, -P.padX);
    for (int k = 0; k < ch; ++k)
      for (int iy = y0; iy < h; ++iy) {
        T* dst = u.data() + (size_t(k) * ph + iy + P.padY) * pw;
        const float* src = xb + (size_t(k) * h + iy) * w;
        for (int ix = x0; ix < w; ++ix) dst[ix + P.padX] = static_cast<T>(quantize(src[ix], inA) + 128);
      }
    if (P.depthwise) {
      std::fill(sums.begin(), sums.end(), T(0));
      for (int o = 0; o < oc; ++o) {
        const int8_t* wo = P.weight.data() + size_t(o) * K;
        T* a0 = sums.data() + size_t(o) * N;
        for (int i = 0; i < P.inPerGroup; ++i) {
          const T* uc = u.data() + size_t((o / ocPerGroup) * P.inPerGroup + i) * ph * pw;
          // Stride S > 1: column j of the plane goes to phase plane j % S at column j / S, so
          // every tap reads a contiguous row (the same values, added in the same order).
          const int S = P.sX;
          const int pwS = (pw + S - 1) / S;
          if (S > 1) {
            phases.resize(size_t(S) * ph * pwS);
            for (int p = 0; p < S; ++p)
              for (int yy = 0; yy < ph; ++yy) {
                const T* src = uc + size_t(yy) * pw + p;
                T* dst = phases.data() + (size_t(p) * ph + yy) * pwS;
                for (int j = 0; p + j * S < pw; ++j) dst[j] = src[size_t(j) * S];
              }
          }
          // Row of tap (ky, kx) for output row oy.
          auto tapRow = [&](int oy, int ky, int kx) {
            const int yy = oy * P.sY + ky * P.dY;
            const int off = kx * P.dX;
            return S == 1 ? uc + size_t(yy) * pw + off
                          : phases.data() + (size_t(off % S) * ph + yy) * pwS + off / S;
          };
          const int8_t* wi = wo + size_t(i) * kArea;
          for (int oy = 0; oy < oh; ++oy) {
            T* a = a0 + size_t(oy) * ow;
            for (int ky = 0; ky < P.kY; ++ky) {
              const int8_t* wr = wi + size_t(ky) * P.kX;
              int kx = 0;
              // Three taps per pass over the row (exact integer sums: any grouping is the same).
              for (; kx + 3 <= P.kX; kx += 3) {
                const T w0 = static_cast<T>(wr[kx]), w1 = static_cast<T>(wr[kx + 1]),
                        w2 = static_cast<T>(wr[kx + 2]);
                const T* r0 = tapRow(oy, ky, kx);
                const T* r1 = tapRow(oy, ky, kx + 1);
                const T* r2 = tapRow(oy, ky, kx + 2);
                for (int ox = 0; ox < ow; ++ox) a[ox] += w0 * r0[ox] + w1 * r1[ox] + w2 * r2[ox];
              }
              for (; kx < P.kX; ++kx) {
                const T wv = static_cast<T>(wr[kx]);
                const T* r = tapRow(oy, ky, kx);
                for (int ox = 0; ox < ow; ++ox) a[ox] += wv * r[ox];
              }
            }
          }
        }
      }
    } else {
      // A 1x1, stride-1 convolution without padding reads the planes as they are.
      const bool direct = K == P.inPerGroup && P.sY == 1 && P.sX == 1 && ph == h && pw == w && oh == h && ow == w;
      if (!direct) cols.resize(size_t(K) * N);
      for (int g = 0; g < P.group && direct; ++g)
        gemmT(ocPerGroup, N, K, weightsOf(P, static_cast<T*>(nullptr)).data() + size_t(g) * ocPerGroup * K,
              u.data() + size_t(g) * P.inPerGroup * N, sums.data() + size_t(g) * ocPerGroup * N);
      for (int g = 0; g < P.group && !direct; ++g) {
        for (int i = 0; i < P.inPerGroup; ++i) {
          const T* uc = u.data() + size_t(g * P.inPerGroup + i) * ph * pw;
          for (int ky = 0; ky < P.kY; ++ky)
            for (int kx = 0; kx < P.kX; ++kx) {
              T* col = cols.data() + size_t((i * P.kY + ky) * P.kX + kx) * N;
              for (int oy = 0; oy < oh; ++oy) {
                const T* row = uc + size_t(oy * P.sY + ky * P.dY) * pw + kx * P.dX;
                T* dst = col + size_t(oy) * ow;
                if (P.sX == 1)
                  std::copy(row, row + ow, dst);
                else
                  for (int ox = 0; ox < ow; ++ox) dst[ox] = row[ox * P.sX];
              }
            }
        }
        gemmT(ocPerGroup, N, K, weightsOf(P, static_cast<T*>(nullptr)).data() + size_t(g) * ocPerGroup * K,
              cols.data(), sums.data() + size_t(g) * ocPerGroup * N);
      }
    }
    float* yb = y + size_t(b) * oc * N;
    for (int o = 0; o < oc; ++o) {
      const int32_t weightSum = P.weightSum[o];
      const T* a = sums.data() + size_t(o) * N;
      float* yo = yb + size_t(o) * N;
      if (P.depthwise) {
        float ws = P.alpha[o];
        if (std::fabs(ws) < 1e-6f) ws = 1e-6f;
        const float scale = ws * scaleX;
        // truncToInt / addWrap: MNN's x86 conversions and 32-bit sums, defined here even when a
        // tiny scale or a huge bias leaves the int32 range.
        const int32_t zeroFused = truncToInt(P.out.zero / scale);
        const float biasTerm = static_cast<float>(truncToInt(P.bias[o] / (P.in.scale * ws))) -
                               static_cast<float>(weightSum) * (P.in.zero + 128.f) + static_cast<float>(zeroFused);
        const int32_t biasInt = truncToInt(biasTerm);
        for (int k = 0; k < N; ++k) {
          const float f = static_cast<float>(addWrap(static_cast<int32_t>(a[k]), biasInt)) * scale;
          int v = truncToInt(f + std::copysign(0.5f, f));
          v = std::min(std::max(v, static_cast<int>(clampMin)), static_cast<int>(clampMax));
          yo[k] = dequantize(v, outA);
        }
      } else {
        const float kernelSum = static_cast<float>(weightSum) * P.alpha[o];
        const float biasF = (P.bias[o] - kernelSum * (P.in.zero + 128.f) * P.in.scale) / P.out.scale + P.out.zero;
        const float alpha = P.alpha[o];
        for (int k = 0; k < N; ++k) {
          float f = static_cast<float>(static_cast<int32_t>(a[k])) * alpha;
          f = f * scaleX;
          f = f + biasF;
          f = f < clampMax ? f : clampMax;  // minps / maxps order: NaN becomes clampMax
          f = f > clampMin ? f : clampMin;
          yo[k] = dequantize(roundHalfAway(f), outA);
        }
      }
    }
  }
}

MNNQ_HOT void convInt8SumsFloat(const ConvInt8Params& P, const float* x, int n, int ch, int h, int w, float* y,
                                int oc, int oh, int ow) {
  convInt8Sums<float>(P, x, n, ch, h, w, y, oc, oh, ow);
}

MNNQ_HOT void convInt8SumsDouble(const ConvInt8Params& P, const float* x, int n, int ch, int h, int w, float* y,
                                 int oc, int oh, int ow) {
  convInt8Sums<double>(P, x, n, ch, h, w, y, oc, oh, ow);
}

}  // namespace

std::unique_ptr<OpKernel> makeConvInt8(const OpContext& ctx, const QuantAttr& inAttr, const QuantAttr& outAttr) {
  const auto* conv = ctx.op.main.AsConvolution2D();
  if (!conv || !conv->common || !conv->quanParameter || conv->quanParameter->buffer.empty())
    throw UnsupportedOp("int8 convolution without coded weights");
  const auto& c = *conv->common;
  const auto& q = *conv->quanParameter;
  if (q.readType != 0) throw UnsupportedOp("int8 convolution with asymmetric weights");
  const TensorInfo& in = ctx.inputs[0];
  const TensorInfo& out = ctx.outputs[0];
  const SpatialShape si = spatialShape(in, "int8 convolution");
  const SpatialShape so = spatialShape(out, "int8 convolution");

  auto p = std::make_shared<ConvInt8Params>();
  p->depthwise = ctx.op.type == schema::OpType_ConvolutionDepthwise;
  p->outChannels = so.c;
  p->kY = c.kernelY;
  p->kX = c.kernelX;
  p->sY = c.strideY;
  p->sX = c.strideX;
  p->dY = c.dilateY;
  p->dX = c.dilateX;
  p->group = p->depthwise ? si.c : std::max(1, c.group);
  if (si.c % p->group != 0) throw std::invalid_argument("int8 convolution: channels not divisible by group");
  p->inPerGroup = si.c / p->group;
  const IdstDecoded d = decodeIdst(q.buffer.data(), q.buffer.size(), q.type, q.shapeInt32);
  const size_t expected = size_t(p->outChannels) * p->inPerGroup * p->kY * p->kX;
  if (d.values.size() != expected)
    throw std::invalid_argument("int8 convolution: coded weights hold " + std::to_string(d.values.size()) +
                                " values, the layer needs " + std::to_string(expected));
  p->weight = d.values;
  const size_t perOutput = size_t(p->inPerGroup) * p->kY * p->kX;
  p->weightSum.assign(p->outChannels, 0);
  for (int o = 0; o < p->outChannels; ++o)
    for (size_t i = 0; i < perOutput; ++i) p->weightSum[o] += p->weight[o * perOutput + i];
  if (!p->depthwise) {
    if (perOutput <= size_t(kFloatExactTerms))
      p->weightF.assign(p->weight.begin(), p->weight.end());
    else
      p->weightD.assign(p->weight.begin(), p->weight.end());
    initGemm();
  }
  if (q.alpha.size() < size_t(p->outChannels))
    throw std::invalid_argument("int8 convolution: IDSTQuan.alpha has too few scales");
  p->alpha.assign(q.alpha.begin(), q.alpha.begin() + p->outChannels);
  p->bias = conv->bias;
  p->bias.resize(p->outChannels, 0.f);
  p->relu = c.relu || c.relu6;
  p->in = inAttr;
  p->out = outAttr;
  // ConvolutionCommon::convolutionPad
  if (c.padMode == schema::PadMode_SAME) {
    const int kw = (p->kX - 1) * p->dX + 1, kh = (p->kY - 1) * p->dY + 1;
    p->padX = ((so.w - 1) * p->sX + kw - si.w) / 2;
    p->padY = ((so.h - 1) * p->sY + kh - si.h) / 2;
  } else {
    p->padX = c.padX;
    p->padY = c.padY;
    if (c.pads.size() >= 2) {
      p->padX = c.pads[1];
      p->padY = c.pads[0];
    }
  }

  if (!p->depthwise && conv->symmetricQuan && !conv->symmetricQuan->winogradAttr.empty() &&
      winogradInt8Gap(ctx.op).empty()) {
    WinogradConvInputs w;
    w.inChannels = si.c;
    w.outChannels = p->outChannels;
    w.padY = p->padY;
    w.padX = p->padX;
    w.weight = p->weight;
    w.alpha = p->alpha;
    w.bias = p->bias;
    w.relu = p->relu;
    w.in = inAttr;
    w.out = outAttr;
    return makeConvInt8Winograd(ctx, w);
  }

  // Every output element is stored (the requantisation loop covers all of them).
  return writingAllOutputs(spatialKernel(in, out, [p](const float* x, int n, int ch, int h, int w, float* y, int oc, int oh, int ow) {
    const ConvInt8Params& P = *p;
    const int kArea = P.kY * P.kX;
    const int K = P.inPerGroup * kArea;
    // Integer sums sum(w * u) are computed in floating point where that is exact: every product
    // (|w| <= 128, u <= 255) and every partial sum is an integer, below 2^24 when K <= 512
    // (float) and below 2^53 otherwise (double), so any summation order gives the int32 sum.
    if (K <= kFloatExactTerms)
      convInt8SumsFloat(P, x, n, ch, h, w, y, oc, oh, ow);
    else
      convInt8SumsDouble(P, x, n, ch, h, w, y, oc, oh, ow);
  }));
}

}  // namespace mnnq::exec::int8
