// PriorBox (Caffe SSD): anchor boxes and their variances, computed from shapes only.
//
// Semantics of MNN's GeometryPriorBox / ShapePriorbox (MNN computes the boxes once per resize):
//  - feature size from input 0, image size from the parameters or else input 1, steps from the
//    parameters (integers) or else image / feature size;
//  - ratio list starts with 1; a ratio within 1e-6 of one already listed is skipped, otherwise it
//    is added, followed by its reciprocal when flip is set (the reciprocal is not checked);
//  - per cell and min size: the min box, the sqrt(min*max) box, then one box per ratio whose
//    square root is not within 1e-6 of 1;
//  - the x centre is accumulated (offset*step, += step per column), the y centre is computed
//    (offset*step + row*step); rounding follows from that, so it is reproduced as is;
//  - clip clamps the coordinates to [0, 1]; the second channel repeats variances[0..3].
// Output [1, 2, 4*H*W*priors, 1] (NC4HW4). Variants MNN would read out of bounds (fewer than
// four variances, a max size count different from the min size count) are refused.
#include "../op_kernel.hpp"
#include "spatial.hpp"

#include <cmath>

namespace mnnq::exec {
namespace {

std::unique_ptr<OpKernel> makePriorBox(OpContext& ctx) {
  const auto* p = ctx.op.main.AsPriorBox();
  if (!p) throw std::invalid_argument("PriorBox without PriorBox parameter");
  if (ctx.numInputs() < 1) throw std::invalid_argument("PriorBox without input");
  const SpatialShape feature = spatialShape(ctx.inputs[0], "PriorBox");
  if (p->variances.size() < 4)
    throw UnsupportedOp("PriorBox with " + std::to_string(p->variances.size()) +
                        " variance(s): MNN always reads four");
  if (!p->maxSizes.empty() && p->maxSizes.size() != p->minSizes.size())
    throw UnsupportedOp("PriorBox with " + std::to_string(p->maxSizes.size()) + " max sizes for " +
                        std::to_string(p->minSizes.size()) + " min sizes (MNN needs equal counts)");

  int imageW = p->imageWidth, imageH = p->imageHeight;
  if (imageW <= 0 || imageH <= 0) {
    if (ctx.numInputs() < 2 || !ctx.inputs[1].present)
      throw std::invalid_argument("PriorBox without image size parameters needs the image as input 1");
    const SpatialShape image = spatialShape(ctx.inputs[1], "PriorBox image");
    if (imageW <= 0) imageW = image.w;
    if (imageH <= 0) imageH = image.h;
  }
  const int w = feature.w, h = feature.h;
  const float stepW = p->stepWidth > 0 ? static_cast<float>(p->stepWidth) : static_cast<float>(imageW) / w;
  const float stepH = p->stepHeight > 0 ? static_cast<float>(p->stepHeight) : static_cast<float>(imageH) / h;

  std::vector<float> ratios{1.f};
  for (float r : p->aspectRatios) {
    bool listed = false;
    for (float v : ratios) listed = listed || std::fabs(v - r) < 1e-6f;
    if (listed) continue;
    ratios.push_back(r);
    if (p->flip) ratios.push_back(1.f / r);
  }
  const int64_t priors = static_cast<int64_t>(p->minSizes.size()) * ratios.size() + p->maxSizes.size();
  const int64_t coords = 4 * int64_t(w) * h * priors;

  std::vector<float> out(size_t(2 * coords));
  float* box = out.data();
  const float fw = static_cast<float>(imageW), fh = static_cast<float>(imageH);
  auto put = [&](float cx, float cy, float bw, float bh) {
    box[0] = (cx - bw * 0.5f) / fw;
    box[1] = (cy - bh * 0.5f) / fh;
    box[2] = (cx + bw * 0.5f) / fw;
    box[3] = (cy + bh * 0.5f) / fh;
    box += 4;
  };
  for (int i = 0; i < h; ++i) {
    float cx = p->offset * stepW;
    const float cy = p->offset * stepH + static_cast<float>(i) * stepH;
    for (int j = 0; j < w; ++j, cx += stepW) {
      for (size_t k = 0; k < p->minSizes.size(); ++k) {
        const float minSize = p->minSizes[k];
        put(cx, cy, minSize, minSize);
        if (!p->maxSizes.empty()) {
          const float side = std::sqrt(minSize * p->maxSizes[k]);
          put(cx, cy, side, side);
        }
        for (float r : ratios) {
          const float root = std::sqrt(r);
          if (std::fabs(root - 1.f) < 1e-6f) continue;
          put(cx, cy, minSize * root, minSize / root);
        }
      }
    }
  }
  if (p->clip)
    for (int64_t k = 0; k < coords; ++k) out[k] = std::min(std::max(out[k], 0.f), 1.f);
  for (int64_t k = 0; k < coords; ++k) out[coords + k] = p->variances[k % 4];

  ctx.outputs[0] = TensorInfo{{1, 2, static_cast<int>(coords), 1}, Layout::NC4HW4, DType::Float32, true};
  return writingAllOutputs(makeKernel([out](const std::vector<const Tensor*>&, const std::vector<Tensor*>& y) {
    std::copy(out.begin(), out.end(), y[0]->f.begin());
  }));
}

}  // namespace

void registerPriorBox(OpRegistry& r) { r.emplace_back(schema::OpType_PriorBox, makePriorBox); }

}  // namespace mnnq::exec
