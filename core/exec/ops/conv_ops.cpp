// Convolution, ConvolutionDepthwise, Deconvolution, InnerProduct, MatMul, BatchMatMul.
// Output size and padding follow MNN's ShapeConvolution / ConvolutionCommon::convolutionPad.
#include "../kernels/conv2d.hpp"
#include "../kernels/gemm.hpp"
#include "../op_kernel.hpp"
#include "conv_weights.hpp"
#include "mnnq/core/limits.hpp"
#include "spatial.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>

namespace mnnq::exec {
namespace {

std::unique_ptr<OpKernel> makeConvolution(OpContext& ctx) {
  const auto* conv = ctx.op.main.AsConvolution2D();
  if (!conv || !conv->common) throw std::invalid_argument("convolution without Convolution2D.common");
  const auto& c = *conv->common;
  const TensorInfo& in = ctx.inputs[0];
  if (in.dtype != DType::Float32) throw UnsupportedOp("convolution of a non-float tensor");
  const SpatialShape s = spatialShape(in, "convolution");

  ConvWeights w = loadConvWeights(ctx, *conv);
  ConvGeometry g;
  g.kernelY = w.kernelY;
  g.kernelX = w.kernelX;
  g.strideY = c.strideY;
  g.strideX = c.strideX;
  g.dilateY = c.dilateY;
  g.dilateX = c.dilateX;
  g.outChannels = w.outChannels;
  g.inChannels = s.c;
  g.group = c.group > 0 ? c.group : 1;
  if (ctx.op.type == schema::OpType_ConvolutionDepthwise) g.group = s.c;
  // TF-style grouped convolutions store the per-group input count.
  // Products in 64 bits: inputCount and group are each bounded by validation (2^24), not their product.
  if (c.inputCount > 0 && c.inputCount != s.c && int64_t(c.inputCount) * g.group != s.c && s.c % c.inputCount == 0)
    g.group = s.c / c.inputCount;
  if (int64_t(w.inPerGroup) * g.group != s.c)
    throw std::invalid_argument("weights expect " + std::to_string(int64_t(w.inPerGroup) * g.group) +
                                " input channels, the input has " + std::to_string(s.c));
  if (g.strideX <= 0 || g.strideY <= 0 || g.dilateX <= 0 || g.dilateY <= 0)
    throw std::invalid_argument("convolution stride/dilation must be positive");

  const int kw = g.dilateX * (g.kernelX - 1) + 1, kh = g.dilateY * (g.kernelY - 1) + 1;
  int outW, outH;
  if (c.padMode == schema::PadMode_SAME) {
    outW = (s.w + g.strideX - 1) / g.strideX;
    outH = (s.h + g.strideY - 1) / g.strideY;
    g.padLeft = ((outW - 1) * g.strideX + kw - s.w) / 2;
    g.padTop = ((outH - 1) * g.strideY + kh - s.h) / 2;
  } else if (c.padMode == schema::PadMode_VALID) {
    outW = (s.w - kw + g.strideX) / g.strideX;
    outH = (s.h - kh + g.strideY) / g.strideY;
    g.padLeft = c.padX;
    g.padTop = c.padY;
  } else if (c.pads.size() >= 4) {
    const int iw = s.w + c.pads[1] + c.pads[3], ih = s.h + c.pads[0] + c.pads[2];
    outW = iw < kw ? 0 : (iw - kw) / g.strideX + 1;
    outH = ih < kh ? 0 : (ih - kh) / g.strideY + 1;
    g.padTop = c.pads[0];
    g.padLeft = c.pads[1];
  } else {
    outW = (s.w + 2 * c.padX - kw) / g.strideX + 1;
    outH = (s.h + 2 * c.padY - kh) / g.strideY + 1;
    g.padTop = c.padY;
    g.padLeft = c.padX;
    if (c.pads.size() >= 2) {
      g.padTop = c.pads[0];
      g.padLeft = c.pads[1];
    }
  }
  if (outW <= 0 || outH <= 0) throw std::invalid_argument("convolution output would be empty");
  const Activation act = c.relu6 ? Activation::Relu6 : (c.relu ? Activation::Relu : Activation::None);
  auto kernel = std::make_shared<Conv2DKernel>(g, std::move(w.weight), std::move(w.bias), act, outH, outW);
  ctx.outputs[0] = spatialOutput(in, s.n, g.outChannels, outH, outW);
  // Every output element is stored by the convolution kernels (bias and activation included).
  return writingAllOutputs(spatialKernel(in, ctx.outputs[0], [kernel](const float* x, int n, int, int h, int wd, float* y, int, int oh, int ow) {
    kernel->run(x, n, h, wd, y, oh, ow);
  }));
}

// Transposed convolution: scatter each input pixel through the kernel (col2im after a GEMM).
std::unique_ptr<OpKernel> makeDeconvolution(OpContext& ctx) {
  const auto* conv = ctx.op.main.AsConvolution2D();
  if (!conv || !conv->common) throw std::invalid_argument("deconvolution without Convolution2D.common");
  const auto& c = *conv->common;
  const TensorInfo& in = ctx.inputs[0];
  const SpatialShape s = spatialShape(in, "deconvolution");
  if (ctx.numInputs() > 1) throw UnsupportedOp("deconvolution with weight inputs");
  const int group = ctx.op.type == schema::OpType_DeconvolutionDepthwise ? s.c : std::max(1, c.group);
  // MNN 3.6.1's runtime returns uninitialised values for a Deconvolution with group > 1 (its
  // converter never writes one: groups become DeconvolutionDepthwise or Slice + Concat).
  if (ctx.op.type == schema::OpType_Deconvolution && group > 1)
    throw UnsupportedOp("Deconvolution with group " + std::to_string(group) +
                        " (MNN cannot run it; its converter splits groups)");
  const int oc = c.outputCount, kY = c.kernelY, kX = c.kernelX;
  const int64_t weightCount = int64_t(oc) * (s.c / group) * kY * kX;  // each factor bounded, not the product
  std::vector<float> weight = decodeConvWeight(ctx, *conv, weightCount);
  if (static_cast<int64_t>(weight.size()) != weightCount)
    throw std::invalid_argument("deconvolution weight size mismatch");
  // MNN 3.6.1's CPU runtime crashes on a deconvolution without bias (tests/exec/data/README.md).
  if (conv->bias.size() != size_t(oc))
    throw UnsupportedOp("deconvolution with " + std::to_string(conv->bias.size()) + " bias values for " +
                        std::to_string(oc) + " outputs (MNN needs the bias)");
  const std::vector<float> bias = conv->bias;
  if (c.hasOutputShape) throw UnsupportedOp("deconvolution with an explicit output shape");
  // Extents in 64 bits (an input extent of 2^24 times a stride of 1024 does not fit an int),
  // then bounded like every inferred shape.
  int padX = c.padX, padY = c.padY;
  int64_t outW = int64_t(s.w - 1) * c.strideX + int64_t(c.dilateX) * (kX - 1) + 1;
  int64_t outH = int64_t(s.h - 1) * c.strideY + int64_t(c.dilateY) * (kY - 1) + 1;
  if (c.padMode == schema::PadMode_SAME) {
    outW = int64_t(s.w) * c.strideX;
    outH = int64_t(s.h) * c.strideY;
    padX = static_cast<int>((int64_t(s.w - 1) * c.strideX + kX - outW) / 2);
    padY = static_cast<int>((int64_t(s.h - 1) * c.strideY + kY - outH) / 2);
  } else if (c.pads.size() >= 4) {
    padY = c.pads[0];
    padX = c.pads[1];
    outW -= int64_t(c.pads[1]) + c.pads[3];
    outH -= int64_t(c.pads[0]) + c.pads[2];
  } else {
    if (c.pads.size() >= 2) {
      padY = c.pads[0];
      padX = c.pads[1];
    }
    outW -= 2 * int64_t(padX);
    outH -= 2 * int64_t(padY);
  }
  // MNN (ShapeDeconvolution) adds outPads only when the padding is not SAME.
  if (c.padMode != schema::PadMode_SAME && c.outPads.size() >= 2) {
    outH += c.outPads[0];
    outW += c.outPads[1];
  }
  if (outW <= 0 || outH <= 0 || outW > limits::kMaxDim || outH > limits::kMaxDim)
    throw std::invalid_argument("deconvolution output extent " + std::to_string(outH) + "x" + std::to_string(outW) +
                                " is out of range");
  ctx.outputs[0] = spatialOutput(in, s.n, oc, static_cast<int>(outH), static_cast<int>(outW));
  // Weight layout (MNN): [ic][oc/group][kY][kX]; per group GEMM gives col[(ocg*kY*kX)][H*W].
  const int icg = s.c / group, ocg = oc / group;
  const int strideX = c.strideX, strideY = c.strideY, dX = c.dilateX, dY = c.dilateY;
  const bool relu = c.relu, relu6 = c.relu6;
  initGemm();
  return spatialKernel(in, ctx.outputs[0], [=](const float* x, int n, int, int h, int wd, float* y, int, int oh, int ow) {
    const int plane = h * wd;
    std::vector<float> col(size_t(ocg) * kY * kX * plane);
    for (int b = 0; b < n; ++b) {
      float* yb = y + size_t(b) * oc * oh * ow;
      for (int grp = 0; grp < group; ++grp) {
        const float* xg = x + (size_t(b) * s.c + grp * icg) * plane;
        const float* wg = weight.data() + size_t(grp) * icg * ocg * kY * kX;
        gemm(true, false, ocg * kY * kX, plane, icg, 1.f, wg, ocg * kY * kX, xg, plane, 0.f, col.data(), plane);
        for (int o = 0; o < ocg; ++o) {
          float* yo = yb + size_t(grp * ocg + o) * oh * ow;
          for (int ky = 0; ky < kY; ++ky)
            for (int kx = 0; kx < kX; ++kx) {
              const float* cr = col.data() + ((size_t(o) * kY + ky) * kX + kx) * plane;
              for (int iy = 0; iy < h; ++iy) {
                const int oy = iy * strideY - padY + ky * dY;
                if (oy < 0 || oy >= oh) continue;
                for (int ix = 0; ix < wd; ++ix) {
                  const int ox = ix * strideX - padX + kx * dX;
                  if (ox < 0 || ox >= ow) continue;
                  yo[size_t(oy) * ow + ox] += cr[iy * wd + ix];
                }
              }
            }
        }
      }
      biasActivate(yb, oc, oh * ow, bias.data(),
                   relu6 ? Activation::Relu6 : (relu ? Activation::Relu : Activation::None));
    }
  });
}

// y[outer][outputCount] = x[outer][K] * W^T + b, flattening from `axis`.
std::unique_ptr<OpKernel> makeInnerProduct(OpContext& ctx) {
  const auto* p = ctx.op.main.AsInnerProduct();
  if (!p) throw std::invalid_argument("InnerProduct without parameter");
  if (p->weight.empty()) throw UnsupportedOp("InnerProduct with coded weights");
  const TensorInfo& in = ctx.inputs[0];
  int axis = p->axis < 0 ? p->axis + static_cast<int>(in.shape.size()) : p->axis;
  if (axis <= 0) axis = 1;
  int64_t outer = 1, K = 1;
  for (int i = 0; i < axis; ++i) outer *= in.shape[i];
  for (size_t i = axis; i < in.shape.size(); ++i) K *= in.shape[i];
  const int N = p->outputCount;
  if (static_cast<int64_t>(p->weight.size()) != N * K)
    throw std::invalid_argument("InnerProduct weight has " + std::to_string(p->weight.size()) +
                                " values, expected " + std::to_string(N * K));
  std::vector<int> out(in.shape.begin(), in.shape.begin() + axis);
  out.push_back(N);
  while (out.size() < in.shape.size()) out.push_back(1);
  ctx.outputs[0] = TensorInfo{out, in.layout, DType::Float32, true};
  auto weight = std::make_shared<std::vector<float>>(p->weight);
  std::vector<float> bias = p->bias;
  if (bias.empty()) bias.assign(N, 0.f);
  const bool transposed = p->transpose;
  initGemm();
  return makeKernel([=](const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) {
    float* y = out[0]->f.data();
    // transpose=false: W is [N][K]; transpose=true: W is [K][N].
    gemm(false, !transposed, int(outer), N, int(K), 1.f, in[0]->f.data(), int(K), weight->data(),
         transposed ? N : int(K), 0.f, y, N);
    for (int64_t o = 0; o < outer; ++o)
      for (int n = 0; n < N; ++n) y[o * N + n] += bias[n];
  });
}

// MatMul / BatchMatMul with numpy batch broadcasting over leading dims.
std::unique_ptr<OpKernel> makeMatMul(OpContext& ctx) {
  bool ta = false, tb = false;
  std::vector<float> bias;
  if (const auto* m = ctx.op.main.AsMatMul()) {
    ta = m->transposeA;
    tb = m->transposeB;
    bias = m->bias;
  } else if (const auto* b = ctx.op.main.AsBatchMatMulParam()) {
    ta = b->adjX;
    tb = b->adjY;
  }
  const TensorInfo& A = ctx.inputs[0];
  const TensorInfo& B = ctx.inputs[1];
  if (A.dtype != DType::Float32 || B.dtype != DType::Float32) throw UnsupportedOp("integer MatMul");
  if (A.shape.size() < 2 || B.shape.size() < 2) throw UnsupportedOp("MatMul of vectors");
  const int ra = static_cast<int>(A.shape.size()), rb = static_cast<int>(B.shape.size());
  const int M = ta ? A.shape[ra - 1] : A.shape[ra - 2];
  const int K = ta ? A.shape[ra - 2] : A.shape[ra - 1];
  const int K2 = tb ? B.shape[rb - 1] : B.shape[rb - 2];
  const int N = tb ? B.shape[rb - 2] : B.shape[rb - 1];
  if (K != K2) throw std::invalid_argument("MatMul inner dimensions differ");
  const std::vector<int> batchA(A.shape.begin(), A.shape.end() - 2), batchB(B.shape.begin(), B.shape.end() - 2);
  const size_t rank = std::max(batchA.size(), batchB.size());
  std::vector<int> batch(rank), ia(rank), ib(rank);
  for (size_t i = 0; i < rank; ++i) {
    ia[i] = i + batchA.size() >= rank ? batchA[i + batchA.size() - rank] : 1;
    ib[i] = i + batchB.size() >= rank ? batchB[i + batchB.size() - rank] : 1;
    if (ia[i] != ib[i] && ia[i] != 1 && ib[i] != 1) throw std::invalid_argument("MatMul batch dims differ");
    batch[i] = std::max(ia[i], ib[i]);
  }
  std::vector<int> out = batch;
  out.push_back(M);
  out.push_back(N);
  ctx.outputs[0] = TensorInfo{out, A.layout, DType::Float32, true};
  if (ctx.numInputs() > 2 && ctx.inputs[2].present) {
    const Tensor& b = ctx.constant(2, "MatMul bias");
    bias = b.f;
  }
  initGemm();
  return makeKernel([=](const std::vector<const Tensor*>& in, const std::vector<Tensor*>& outT) {
    int64_t total = 1;
    for (int d : batch) total *= d;
    std::vector<int> idx(rank, 0);
    for (int64_t t = 0; t < total; ++t) {
      int64_t offA = 0, offB = 0;
      for (size_t d = 0; d < rank; ++d) {
        offA = offA * ia[d] + (ia[d] == 1 ? 0 : idx[d]);
        offB = offB * ib[d] + (ib[d] == 1 ? 0 : idx[d]);
      }
      const float* a = in[0]->f.data() + offA * M * K;
      const float* b = in[1]->f.data() + offB * K * N;
      float* y = outT[0]->f.data() + t * M * N;
      gemm(ta, tb, M, N, K, 1.f, a, ta ? M : K, b, tb ? K : N, 0.f, y, N);
      if (!bias.empty())
        for (int m = 0; m < M; ++m)
          for (int n = 0; n < N; ++n) y[m * N + n] += bias[n % bias.size()];
      for (size_t d = rank; d-- > 0;) {
        if (++idx[d] < batch[d]) break;
        idx[d] = 0;
      }
    }
  });
}

}  // namespace

void registerConvOps(OpRegistry& r) {
  r.emplace_back(schema::OpType_Convolution, makeConvolution);
  r.emplace_back(schema::OpType_ConvolutionDepthwise, makeConvolution);
  r.emplace_back(schema::OpType_Deconvolution, makeDeconvolution);
  r.emplace_back(schema::OpType_DeconvolutionDepthwise, makeDeconvolution);
  r.emplace_back(schema::OpType_InnerProduct, makeInnerProduct);
  r.emplace_back(schema::OpType_MatMul, makeMatMul);
  r.emplace_back(schema::OpType_BatchMatMul, makeMatMul);
}

}  // namespace mnnq::exec
