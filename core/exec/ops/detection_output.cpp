// DetectionOutput (Caffe SSD): decode boxes against the priors, per-class threshold + NMS, keep
// the best keepTopK over all classes. Follows MNN's CPUDetectionOutput, which differs from
// Caffe's layer in ways that change results, reproduced here on purpose:
//  - boxes are always decoded CENTER_SIZE with the variances multiplied in (codeType and
//    varianceEncodedTarget are ignored), location is shared by all classes;
//  - class 0 is always the background (backgroundLable is ignored), nmsTopK is ignored and each
//    class keeps at most keepTopK boxes after NMS;
//  - scores must be strictly above the threshold; candidates are ordered by std::sort on score
//    (not stable: equal scores keep the order libstdc++'s introsort gives them, which decides
//    which of two tied overlapping boxes survives NMS) and the final ranking is std::partial_sort.
//    Both are called here exactly as MNN calls them, on the same sequence, so ties come out the
//    same with the same standard library;
//  - a box is dropped when intersection / union > nmsThreshold against any kept box;
//  - with inputs 3 and 4 (RefineDet: ARM confidence, ARM location) the priors are first refined
//    by the ARM location, and a prior whose objectness (ARM confidence channel 1) is below
//    objectnessScore gets score 0.
// Inputs are read as flat NCHW data of batch 0 (MNN unpacks each to NCHW and indexes flat).
// Output rows [label, score, xmin, ymin, xmax, ymax]; the output has shape [1, 1, n, 6] with n the
// number of detections (at most keepTopK), as MNN's output after execution.
#include "../op_kernel.hpp"

#include <algorithm>
#include <cmath>

namespace mnnq::exec {
namespace {

struct Candidate {
  float xmin, ymin, xmax, ymax;
  int label;
  float score;
};

// MNN's Tensor::channel() / height() for our inferred infos.
int channelOf(const TensorInfo& t) {
  if (t.shape.size() < 2) return 1;
  return t.layout == Layout::NHWC ? t.shape.back() : t.shape[1];
}
int heightOf(const TensorInfo& t) {
  if (t.shape.size() < 3) return 1;
  return t.layout == Layout::NHWC ? t.shape[1] : t.shape[2];
}
int64_t planeOf(const TensorInfo& t) {  // width * height
  int64_t p = 1;
  const size_t r = t.shape.size();
  if (t.layout == Layout::NHWC) {
    for (size_t d = 1; d + 1 < r; ++d) p *= t.shape[d];
  } else {
    for (size_t d = 2; d < r; ++d) p *= t.shape[d];
  }
  return p;
}

// Batch 0 of a tensor as flat NCHW data (channel-major), `count` values.
std::vector<float> flatNchw(const Tensor& t, const TensorInfo& info) {
  const int64_t c = channelOf(info), plane = planeOf(info);
  std::vector<float> v(size_t(c * plane));
  if (info.layout == Layout::NHWC && info.shape.size() >= 3) {
    for (int64_t p = 0; p < plane; ++p)
      for (int64_t k = 0; k < c; ++k) v[k * plane + p] = t.f[p * c + k];
  } else {
    std::copy(t.f.begin(), t.f.begin() + v.size(), v.begin());
  }
  return v;
}

float intersection(const Candidate& a, const Candidate& b) {
  if (a.xmin > b.xmax || a.xmax < b.xmin || a.ymin > b.ymax || a.ymax < b.ymin) return 0.f;
  const float iw = std::fmin(a.xmax, b.xmax) - std::fmax(a.xmin, b.xmin);
  const float ih = std::fmin(a.ymax, b.ymax) - std::fmax(a.ymin, b.ymin);
  return iw * ih;
}

// Greedy NMS over score-ordered boxes; indexes of the kept ones, at most topK.
std::vector<size_t> nms(const std::vector<Candidate>& boxes, float threshold, int topK) {
  std::vector<float> areas(boxes.size());
  for (size_t i = 0; i < boxes.size(); ++i)
    areas[i] = (boxes[i].xmax - boxes[i].xmin) * (boxes[i].ymax - boxes[i].ymin);
  std::vector<size_t> picked;
  for (size_t i = 0; i < boxes.size(); ++i) {
    bool keep = true;
    for (size_t k : picked) {
      const float inter = intersection(boxes[i], boxes[k]);
      if (inter / (areas[i] + areas[k] - inter) > threshold) {
        keep = false;
        break;
      }
    }
    if (keep) {
      picked.push_back(i);
      if (picked.size() >= static_cast<size_t>(topK)) break;
    }
  }
  return picked;
}

// boxes[i] = prior[i] moved/scaled by loc[i] (CENTER_SIZE, variances multiplied in). `prior` may
// alias `boxes`: each box is read completely before it is written.
void decode(const float* prior, const float* loc, const float* variance, int64_t count, float* boxes) {
  for (int64_t i = 0; i < count; ++i) {
    const float* pb = prior + 4 * i;
    const float* l = loc + 4 * i;
    const float* v = variance + 4 * i;
    const float pw = pb[2] - pb[0], ph = pb[3] - pb[1];
    const float pcx = (pb[0] + pb[2]) * 0.5f, pcy = (pb[1] + pb[3]) * 0.5f;
    const float cx = v[0] * l[0] * pw + pcx;
    const float cy = v[1] * l[1] * ph + pcy;
    const float bw = std::exp(v[2] * l[2]) * pw;
    const float bh = std::exp(v[3] * l[3]) * ph;
    float* b = boxes + 4 * i;
    b[0] = cx - bw * 0.5f;
    b[1] = cy - bh * 0.5f;
    b[2] = cx + bw * 0.5f;
    b[3] = cy + bh * 0.5f;
  }
}

std::unique_ptr<OpKernel> makeDetectionOutput(OpContext& ctx) {
  const auto* p = ctx.op.main.AsDetectionOutput();
  if (!p) throw std::invalid_argument("DetectionOutput without DetectionOutput parameter");
  if (ctx.numInputs() < 3) throw std::invalid_argument("DetectionOutput needs location, confidence and priors");
  for (const auto& in : ctx.inputs)
    if (!in.present || in.dtype != DType::Float32) throw UnsupportedOp("DetectionOutput with a non-float or absent input");
  const bool refine = ctx.numInputs() >= 5;
  const TensorInfo loc = ctx.inputs[0], conf = ctx.inputs[1], prior = ctx.inputs[2];
  // MNN refuses (at resize) a location whose channel count is not the prior tensor's height,
  // e.g. shareLocation = 0 (one box per class).
  if (channelOf(loc) != heightOf(prior))
    throw UnsupportedOp("DetectionOutput whose location has " + std::to_string(channelOf(loc)) +
                        " channels for " + std::to_string(heightOf(prior)) +
                        " prior coordinates (MNN needs them equal; shareLocation = 0 is not supported)");
  if (p->keepTopK <= 0) throw UnsupportedOp("DetectionOutput with keepTopK <= 0 (MNN sizes its output by it)");
  const int classes = p->classCount;
  const int64_t priors = heightOf(prior) / 4;
  if (int64_t(channelOf(prior)) * planeOf(prior) < 2 * heightOf(prior))
    throw std::invalid_argument("DetectionOutput priors must hold boxes and variances");
  if (int64_t(channelOf(conf)) * planeOf(conf) < priors * classes)
    throw std::invalid_argument("DetectionOutput confidence has fewer than priors x classCount values");
  if (refine) {
    if (int64_t(channelOf(ctx.inputs[3])) * planeOf(ctx.inputs[3]) < priors * 2 ||
        int64_t(channelOf(ctx.inputs[4])) * planeOf(ctx.inputs[4]) < priors * 4)
      throw std::invalid_argument("DetectionOutput ARM confidence / location too small for the priors");
  }
  const std::vector<TensorInfo> infos = ctx.inputs;
  const float nmsThreshold = p->nmsThresholdold, confThreshold = p->confidenceThreshold;
  const float objectness = p->objectnessScore;
  const int keepTopK = p->keepTopK;
  ctx.outputs[0] = TensorInfo{{1, 1, keepTopK, 6}, Layout::NC4HW4, DType::Float32, true};

  return makeKernel([=](const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) {
    const std::vector<float> l = flatNchw(*in[0], infos[0]);
    const std::vector<float> c = flatNchw(*in[1], infos[1]);
    const std::vector<float> pr = flatNchw(*in[2], infos[2]);
    const float* variance = pr.data() + 4 * priors;
    std::vector<float> boxes(size_t(4 * priors));
    std::vector<float> armConf;
    if (refine) {
      armConf = flatNchw(*in[3], infos[3]);
      const std::vector<float> armLoc = flatNchw(*in[4], infos[4]);
      decode(pr.data(), armLoc.data(), variance, priors, boxes.data());
      decode(boxes.data(), l.data(), variance, priors, boxes.data());
    } else {
      decode(pr.data(), l.data(), variance, priors, boxes.data());
    }
    auto byScore = [](const Candidate& a, const Candidate& b) { return a.score > b.score; };
    std::vector<Candidate> all;
    for (int cls = 1; cls < classes; ++cls) {
      std::vector<Candidate> cand;
      for (int64_t j = 0; j < priors; ++j) {
        float score = c[j * classes + cls];
        if (refine && armConf[2 * j + 1] < objectness) score = 0.f;
        if (score > confThreshold) {
          const float* b = boxes.data() + 4 * j;
          cand.push_back({b[0], b[1], b[2], b[3], cls, score});
        }
      }
      std::sort(cand.begin(), cand.end(), byScore);
      for (size_t k : nms(cand, nmsThreshold, keepTopK)) all.push_back(cand[k]);
    }
    const int n = static_cast<int>(std::min<size_t>(all.size(), size_t(keepTopK)));
    std::partial_sort(all.begin(), all.begin() + n, all.end(), byScore);
    Tensor& y = *out[0];
    y.shape = {1, 1, n, 6};
    y.f.assign(size_t(n) * 6, 0.f);
    for (int k = 0; k < n; ++k) {
      const Candidate& d = all[k];
      float* row = y.f.data() + 6 * k;
      row[0] = static_cast<float>(d.label);
      row[1] = d.score;
      row[2] = d.xmin;
      row[3] = d.ymin;
      row[4] = d.xmax;
      row[5] = d.ymax;
    }
  });
}

}  // namespace

void registerDetectionOutput(OpRegistry& r) {
  r.emplace_back(schema::OpType_DetectionOutput, makeDetectionOutput);
}

}  // namespace mnnq::exec
