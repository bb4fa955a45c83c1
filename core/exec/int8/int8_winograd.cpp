// Int8 convolution through MNN's int8 Winograd executor (ConvInt8Winograd, x86 AVX2 build of
// MNN 3.6), which MNN's CPU runtime uses for every Convolution op run in int8 whose
// symmetricQuan.winogradAttr is present (quantized.out writes it under EMA, winogradOpt;
// docs: mnn-format-and-quant.md A.9, B.7, C.7.5). What MNN computes, per image:
//  1. the int8 input dequantised, x = (q - zero_in) * s_in, zero outside the image (padding);
//  2. per output tile of unitY x unitX, the alpha x alpha input block transformed with the
//     interpolation points 0, 1, -1, 2, -2 (and infinity): B' along x for every row, then along
//     y, with MNN's hand-written expressions, every product and sum rounded on its own;
//  3. each of the alpha^2 transformed values quantised with that position's scale s_p and zero
//     z_p from winogradAttr: clamp(round(v / s_p + z_p), -127, 127) (x86: v * (1/s_p));
//  4. per position an int8 GEMM with weights G w G' (w = coded int8 weight * alpha_oc, G with the
//     normalising factors divided in, float sums in tap order) quantised per (position, oc) with
//     winogradAttr's weight scale ws: clamp(round(w / ws + eps), -127, 127), eps = 1e-6 with the
//     sign of w / ws; the integer sum over input channels (unsigned inputs q + 128) becomes
//     float(sum) * (ws * s_p) + offset, offset = ((sum over channels of w*(-z_p) + w*(-128),
//     accumulated in float) * ws) * s_p;
//  5. A' M A of each tile, along y then x (MNN's expressions per (alpha, unit));
//  6. requantisation with the convolution's *own* output parameters (quanParameter.scaleOut,
//     symmetricQuan.outputZeroPoint), not the output tensor's attribute: f = y * (1/scaleOut) +
//     (bias / scaleOut + outputZeroPoint), clamped to [lo, max] of the output tensor's attribute
//     (lo = its zero with a fused relu/relu6, else its min), rounded half away from zero. The
//     int8 value is then read with the output tensor's attribute like any int8 tensor -- when
//     quantized.out gave the tensor the next convolution's input parameters, MNN reads it with
//     those, and so does this simulation.
// Only what quantized.out writes is simulated: one unit covering the whole kernel, alpha 4 or 6,
// stride 1, dilation 1, group 1 (winogradInt8Gap says why a convolution is not).
#include "int8_kernels.hpp"

#include "../kernels/gemm.hpp"
#include "../kernels/winograd.hpp"
#include "../ops/spatial.hpp"
#include "quantize.hpp"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

namespace mnnq::exec::int8 {
namespace {

// winogradAttr of one unit: [version 0, units 1, len, kyStart, kxStart, kernelY, kernelX,
// unitY, unitX, inputScales[A], inputZeroPoints[A], weightScales[A][oc]], floats as raw bits.
struct WinoAttr {
  int kY = 0, kX = 0, uY = 0, uX = 0, alpha = 0;
  std::vector<float> inScale, weightScale;  // [A], [A][oc]
  std::vector<int> inZero;                  // [A]
};

float bitsToFloat(int32_t v) {
  float f;
  std::memcpy(&f, &v, sizeof f);
  return f;
}

// Parses op's winogradAttr; returns why the simulation does not reproduce MNN's executor for
// it, or "" (then `out` is filled).
std::string parseAttr(const schema::OpT& op, WinoAttr* out) {
  const auto* conv = op.main.AsConvolution2D();
  if (!conv || !conv->common || !conv->symmetricQuan) return "not a quantized convolution";
  const auto& c = *conv->common;
  const std::vector<int32_t>& a = conv->symmetricQuan->winogradAttr;
  const int oc = c.outputCount;
  if (a.size() < 2 || a[0] != 0) return "winogradAttr version is not 0 (MNN refuses it)";
  if (a[1] != 1) return "winogradAttr with " + std::to_string(a[1]) + " units (only 1 is simulated)";
  if (a.size() < 9) return "winogradAttr too short";
  const int len = a[2];
  WinoAttr w;
  const int kyStart = a[3], kxStart = a[4];
  w.kY = a[5];
  w.kX = a[6];
  w.uY = a[7];
  w.uX = a[8];
  if (kyStart != 0 || kxStart != 0 || w.kY != c.kernelY || w.kX != c.kernelX)
    return "winogradAttr unit does not cover the whole kernel";
  const int alphaY = w.kY + w.uY - 1, alphaX = w.kX + w.uX - 1;
  if (alphaY != alphaX) return "winogradAttr tile is not square (MNN refuses it)";
  w.alpha = alphaY;
  if ((w.alpha != 4 && w.alpha != 6) || w.kY < 2 || w.kX < 2 || w.uY < 2 || w.uX < 2)
    return "winogradAttr tile F(" + std::to_string(w.uY) + "x" + std::to_string(w.uX) + ", " +
           std::to_string(w.kY) + "x" + std::to_string(w.kX) + ") is not simulated";
  const size_t A = size_t(w.alpha) * w.alpha;
  if (oc <= 0 || len != int(6 + 2 * A + A * oc) || a.size() != 3 + size_t(len))
    return "winogradAttr size does not match the convolution";
  if (c.strideX != 1 || c.strideY != 1 || c.dilateX != 1 || c.dilateY != 1 || c.group > 1)
    return "Winograd int8 convolution with stride, dilation or groups";
  if (conv->symmetricQuan->outputDataType != schema::DataType_DT_INT8)
    return "Winograd int8 convolution with a non-int8 output type";
  if (!conv->quanParameter || !(conv->quanParameter->scaleOut > 0.f))
    return "Winograd int8 convolution without a positive quanParameter.scaleOut";
  const int32_t* p = a.data() + 9;
  for (size_t i = 0; i < A; ++i) w.inScale.push_back(bitsToFloat(p[i]));
  p += A;
  w.inZero.assign(p, p + A);
  p += A;
  for (size_t i = 0; i < A * oc; ++i) w.weightScale.push_back(bitsToFloat(p[i]));
  for (float s : w.inScale)
    if (!(s > 0.f) || !std::isfinite(s)) return "winogradAttr input scale is not positive";
  for (float s : w.weightScale)
    if (!(s > 0.f) || !std::isfinite(s)) return "winogradAttr weight scale is not positive";
  if (out) *out = std::move(w);
  return "";
}

// B' along one direction (MNN's "unroll" source transforms, AVX2).
inline void sourceTransform(int alpha, const float* s, float* m) {
  if (alpha == 4) {
    m[0] = s[0] - s[2];
    m[1] = s[1] + s[2];
    m[2] = s[2] - s[1];
    m[3] = s[3] - s[1];
    return;
  }
  const float q0 = s[4] + s[2] * -4.f;
  const float q1 = s[3] + s[1] * -4.f;
  const float q2 = s[2] + s[0] * -4.f;
  const float q3 = s[5] + s[3] * -4.f;
  const float q4 = s[4] - s[2];
  const float q5 = (s[3] - s[1]) * 2.f;
  m[0] = q0 - q2;
  m[1] = q0 + q1;
  m[2] = q0 - q1;
  m[3] = q4 + q5;
  m[4] = q4 - q5;
  m[5] = q3 - q1;
}

// A' along one direction: alpha values -> unit outputs, MNN's grouping per (alpha, unit).
inline void destTransform(int alpha, int unit, const float* s, float* m) {
  switch (alpha * 10 + unit) {
    case 42:
      m[0] = s[0] + s[1] + s[2];
      m[1] = (s[1] - s[2]) + s[3];
      break;
    case 43:
      m[0] = s[0] + s[1] + s[2];
      m[1] = s[1] - s[2];
      m[2] = (s[1] + s[2]) + s[3];
      break;
    case 62:
      m[0] = s[0] + s[1] + s[2] + s[3] + s[4];
      m[1] = (s[1] - s[2]) + (s[3] - s[4]) * 2.f + s[5];
      break;
    case 63:
      m[0] = s[0] + s[1] + s[2] + s[3] + s[4];
      m[1] = (s[1] - s[2]) + (s[3] - s[4]) * 2.f;
      m[2] = (s[1] + s[2]) + (s[3] + s[4]) * 4.f + s[5];
      break;
    case 64: {
      const float v0 = s[3] + s[4], v1 = s[3] - s[4], v2 = s[1] + s[2], v3 = s[1] - s[2];
      m[0] = s[0] + v2 + v0;
      m[1] = v3 + v1 + v1;
      m[2] = v2 + v0 * 4.f;
      m[3] = v3 + v1 * 8.f + s[5];
      break;
    }
    default:  // 65
      m[0] = s[0] + s[1] + s[2] + s[3] + s[4];
      m[1] = (s[1] - s[2]) + (s[3] - s[4]) * 2.f;
      m[2] = (s[1] + s[2]) + (s[3] + s[4]) * 4.f;
      m[3] = (s[1] - s[2]) + (s[3] - s[4]) * 8.f;
      m[4] = (s[1] + s[2]) + (s[3] + s[4]) * 16.f + s[5];
      break;
  }
}

// Largest number of input channels for which float sums of w * u (|w| <= 127, u <= 254) stay
// exact integers: 518 * 127 * 254 < 2^24.
constexpr int kFloatExactChannels = 518;

struct WinoParams {
  WinoAttr a;
  int ic = 0, oc = 0, padY = 0, padX = 0;
  // Per position: quantised transformed weights [oc][ic] (as float or double for the GEMM),
  // GEMM scale and offset [oc].
  std::vector<std::vector<float>> wF;
  std::vector<std::vector<double>> wD;
  std::vector<float> gemmScale, gemmOffset;  // [A][oc]
  std::vector<QuantAttr> posAttr;            // per position: (s_p, z_p, [-127, 127])
  std::vector<float> fusedBias;              // [oc]: bias / scaleOut + outputZeroPoint
  float invOut = 0.f, lo = 0.f, hi = 0.f;
  QuantAttr in, out;
};

void gemmT(int M, int N, int K, const float* A, const float* B, float* C) {
  gemm(false, false, M, N, K, 1.f, A, K, B, N, 0.f, C, N);
}
void gemmT(int M, int N, int K, const double* A, const double* B, double* C) {
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, M, N, K, 1.0, A, K, B, N, 0.0, C, N);
}
const std::vector<float>& weightsAt(const WinoParams& P, int pos, float*) { return P.wF[pos]; }
const std::vector<double>& weightsAt(const WinoParams& P, int pos, double*) { return P.wD[pos]; }

// Tiles per block of the GEMMs (bounds the transformed-input and product buffers).
constexpr int kTileBlock = 256;

template <class T>
void runWinograd(const WinoParams& P, const float* x, int n, int h, int w, float* y, int oh, int ow) {
  const int alpha = P.a.alpha, uY = P.a.uY, uX = P.a.uX, A = alpha * alpha;
  const int ic = P.ic, oc = P.oc;
  const int th = (oh + uY - 1) / uY, tw = (ow + uX - 1) / uX, tiles = th * tw;
  std::vector<float> X(size_t(ic) * h * w);
  std::vector<T> U(size_t(A) * ic * kTileBlock);   // [pos][ic][tile] : q + 128
  std::vector<T> S(size_t(oc) * kTileBlock);       // one position's integer sums
  std::vector<float> M(size_t(A) * oc * kTileBlock);  // [pos][oc][tile]
  for (int b = 0; b < n; ++b) {
    const float* xb = x + size_t(b) * ic * h * w;
    float* yb = y + size_t(b) * oc * oh * ow;
    for (size_t i = 0; i < X.size(); ++i) X[i] = dequantize(quantize(xb[i], P.in), P.in);
    for (int t0 = 0; t0 < tiles; t0 += kTileBlock) {
      const int nt = std::min(kTileBlock, tiles - t0);
      // 1-3. Transformed, quantised input.
      for (int t = 0; t < nt; ++t) {
        const int ty = (t0 + t) / tw, tx = (t0 + t) % tw;
        const int sy = ty * uY - P.padY, sx = tx * uX - P.padX;
        for (int c = 0; c < ic; ++c) {
          const float* xc = X.data() + size_t(c) * h * w;
          float d[6][6], r[6][6], s[6], m[6];
          for (int yy = 0; yy < alpha; ++yy)
            for (int xx = 0; xx < alpha; ++xx) {
              const int iy = sy + yy, ix = sx + xx;
              d[yy][xx] = (iy >= 0 && iy < h && ix >= 0 && ix < w) ? xc[size_t(iy) * w + ix] : 0.f;
            }
          for (int yy = 0; yy < alpha; ++yy) sourceTransform(alpha, d[yy], r[yy]);  // along x
          for (int fx = 0; fx < alpha; ++fx) {  // along y
            for (int yy = 0; yy < alpha; ++yy) s[yy] = r[yy][fx];
            sourceTransform(alpha, s, m);
            for (int fy = 0; fy < alpha; ++fy) {
              const int pos = fy * alpha + fx;
              U[(size_t(pos) * ic + c) * kTileBlock + t] = static_cast<T>(quantize(m[fy], P.posAttr[pos]) + 128);
            }
          }
        }
      }
      // 4. Per position: integer sums over input channels, then MNN's float scale and offset.
      for (int pos = 0; pos < A; ++pos) {
        const T* Up = U.data() + size_t(pos) * ic * kTileBlock;
        if (nt == kTileBlock) {
          gemmT(oc, nt, ic, weightsAt(P, pos, static_cast<T*>(nullptr)).data(), Up, S.data());
        } else {  // the last block: pack its columns
          std::vector<T> Uc(size_t(ic) * nt);
          for (int c = 0; c < ic; ++c)
            std::copy(Up + size_t(c) * kTileBlock, Up + size_t(c) * kTileBlock + nt, Uc.begin() + size_t(c) * nt);
          gemmT(oc, nt, ic, weightsAt(P, pos, static_cast<T*>(nullptr)).data(), Uc.data(), S.data());
        }
        for (int o = 0; o < oc; ++o) {
          const float sc = P.gemmScale[size_t(pos) * oc + o], off = P.gemmOffset[size_t(pos) * oc + o];
          float* Mo = M.data() + (size_t(pos) * oc + o) * kTileBlock;
          const T* So = S.data() + size_t(o) * nt;
          for (int t = 0; t < nt; ++t) {
            float f = static_cast<float>(static_cast<int32_t>(So[t])) * sc;
            Mo[t] = f + off;
          }
        }
      }
      // 5-6. Output transform, requantisation, dequantisation with the output attribute.
      for (int o = 0; o < oc; ++o) {
        const float fb = P.fusedBias[o];
        float* yo = yb + size_t(o) * oh * ow;
        for (int t = 0; t < nt; ++t) {
          const int ty = (t0 + t) / tw, tx = (t0 + t) % tw;
          float mid[6][6], s[6], col[6] = {}, row[6] = {};
          for (int fx = 0; fx < alpha; ++fx) {  // along y
            for (int fy = 0; fy < alpha; ++fy) s[fy] = M[(size_t(fy * alpha + fx) * oc + o) * kTileBlock + t];
            destTransform(alpha, uY, s, col);
            for (int oy = 0; oy < uY; ++oy) mid[oy][fx] = col[oy];
          }
          const int rows = std::min(uY, oh - ty * uY), cols = std::min(uX, ow - tx * uX);
          for (int oy = 0; oy < rows; ++oy) {
            destTransform(alpha, uX, mid[oy], row);  // along x
            float* yr = yo + size_t(ty * uY + oy) * ow + tx * uX;
            for (int ox = 0; ox < cols; ++ox) {
              float f = row[ox] * P.invOut;
              f = f + fb;
              f = f < P.hi ? f : P.hi;  // minps / maxps order: NaN becomes hi
              f = f > P.lo ? f : P.lo;
              yr[ox] = dequantize(roundHalfAway(f), P.out);
            }
          }
        }
      }
    }
  }
}

}  // namespace

std::string winogradInt8Gap(const schema::OpT& op) {
  const auto* conv = op.main.AsConvolution2D();
  // MNN's int8 Winograd executor is chosen for Convolution ops only (ConvolutionDepthwise has
  // its own int8 executor, which ignores winogradAttr).
  if (op.type != schema::OpType_Convolution || !conv || !conv->symmetricQuan ||
      conv->symmetricQuan->winogradAttr.empty())
    return "";
  return parseAttr(op, nullptr);
}

std::unique_ptr<OpKernel> makeConvInt8Winograd(const OpContext& ctx, const WinogradConvInputs& in) {
  auto p = std::make_shared<WinoParams>();
  const std::string gap = parseAttr(ctx.op, &p->a);
  if (!gap.empty()) throw std::logic_error("int8 Winograd convolution: " + gap);
  const auto* conv = ctx.op.main.AsConvolution2D();
  const WinoAttr& a = p->a;
  const int alpha = a.alpha, A = alpha * alpha, kY = a.kY, kX = a.kX;
  p->ic = in.inChannels;
  p->oc = in.outChannels;
  p->padY = in.padY;
  p->padX = in.padX;
  p->in = in.in;
  p->out = in.out;
  const int ic = p->ic, oc = p->oc;
  if (in.weight.size() != size_t(oc) * ic * kY * kX || in.alpha.size() < size_t(oc) || in.bias.size() < size_t(oc))
    throw std::invalid_argument("int8 Winograd convolution: weights do not match the layer");

  // Transformed float weights G w G' per (oc, ic), as MNN's WinogradGenerater computes them.
  const std::vector<float> Gy = winogradMatrixG(alpha, kY), Gx = winogradMatrixG(alpha, kX);
  std::vector<float> wt(size_t(A) * oc * ic);  // [pos][oc][ic]
  std::vector<float> wf(size_t(kY) * kX), gm(size_t(alpha) * kX);
  for (int o = 0; o < oc; ++o)
    for (int c = 0; c < ic; ++c) {
      const int8_t* q = in.weight.data() + (size_t(o) * ic + c) * kY * kX;
      for (int i = 0; i < kY * kX; ++i) wf[i] = static_cast<float>(q[i]) * in.alpha[o];
      for (int i = 0; i < alpha; ++i)  // G w
        for (int j = 0; j < kX; ++j) {
          float s = 0.f;
          for (int l = 0; l < kY; ++l) s += Gy[size_t(i) * kY + l] * wf[size_t(l) * kX + j];
          gm[size_t(i) * kX + j] = s;
        }
      for (int i = 0; i < alpha; ++i)  // (G w) G'
        for (int j = 0; j < alpha; ++j) {
          float s = 0.f;
          for (int l = 0; l < kX; ++l) s += gm[size_t(i) * kX + l] * Gx[size_t(j) * kX + l];
          wt[(size_t(i * alpha + j) * oc + o) * ic + c] = s;
        }
    }
  // Quantised per (position, oc) with winogradAttr's weight scales; GEMM scale and offset.
  const bool useFloat = ic <= kFloatExactChannels;
  p->gemmScale.resize(size_t(A) * oc);
  p->gemmOffset.resize(size_t(A) * oc);
  std::vector<int8_t> wq(size_t(oc) * ic);
  for (int pos = 0; pos < A; ++pos) {
    const float sIn = a.inScale[pos];
    const int zIn = a.inZero[pos];
    p->posAttr.push_back(QuantAttr{sIn, static_cast<float>(zIn), -127.f, 127.f, true});
    for (int o = 0; o < oc; ++o) {
      const float ws = a.weightScale[size_t(pos) * oc + o];
      float offset = 0.f;
      for (int c = 0; c < ic; ++c) {
        const float v = wt[(size_t(pos) * oc + o) * ic + c];
        const float eps = static_cast<float>((v / ws > 0 ? 1 : -1) * 1e-6);
        const float r = std::round(v / ws + eps);
        const int8_t qv = static_cast<int8_t>(std::min(std::max(r, -127.f), 127.f));
        wq[size_t(o) * ic + c] = qv;
        offset += static_cast<float>(qv * (-zIn));
        offset += static_cast<float>(qv * (-128));
      }
      p->gemmScale[size_t(pos) * oc + o] = ws * sIn;
      p->gemmOffset[size_t(pos) * oc + o] = offset * ws * sIn;
    }
    if (useFloat) p->wF.emplace_back(wq.begin(), wq.end());
    else p->wD.emplace_back(wq.begin(), wq.end());
  }
  initGemm();
  // Requantisation with the convolution's own output scale and zero point.
  const float scaleOut = conv->quanParameter->scaleOut;
  const float zeroOut = static_cast<float>(conv->symmetricQuan->outputZeroPoint);
  p->invOut = static_cast<float>(1.0 / scaleOut);
  p->fusedBias.resize(oc);
  for (int o = 0; o < oc; ++o) p->fusedBias[o] = in.bias[o] / scaleOut + zeroOut;
  p->hi = static_cast<float>(static_cast<int32_t>(in.out.max));
  p->lo = static_cast<float>(static_cast<int32_t>(in.relu ? in.out.zero : in.out.min));

  const TensorInfo& ti = ctx.inputs[0];
  const TensorInfo& to = ctx.outputs[0];
  return writingAllOutputs(spatialKernel(ti, to, [p, useFloat](const float* x, int n, int ch, int h, int w, float* y,
                                                              int oc2, int oh, int ow) {
    if (ch != p->ic || oc2 != p->oc) throw std::invalid_argument("int8 Winograd convolution: channel mismatch");
    if (useFloat) runWinograd<float>(*p, x, n, h, w, y, oh, ow);
    else runWinograd<double>(*p, x, n, h, w, y, oh, ow);
  }));
}

}  // namespace mnnq::exec::int8
