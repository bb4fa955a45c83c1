// EMA feature calibrator: asymmetric per-tensor parameters from exponential moving averages of
// each batch's (nudged) range, measured on a network whose unit inputs and outputs are
// fake-quantised while calibrating (C.7 of mnn-quantizer-facts.md; MNN's training-library
// path, NN.cpp ConvBNReluFusedModule).
//
// One pass, MNNQ_PASS_TRANSFORM | MNNQ_PASS_SEQUENTIAL, batches of `batch_size` samples, with
// the host fake-quantising convolution weights to quant_bits (weight_bits). For every tensor the
// host flags as a unit input (MNNQ_TENSOR_UNIT_INPUT) or output (MNNQ_TENSOR_UNIT_OUTPUT),
// transform() does, per batch, with clamp 127:
//   m = min(0, min x), M = max(0, max x), s = (M - m) / 254, z = round(-m / s - 127),
//   x <- s * (clamp(round(x / s + z), -127, 127) - z)          (in place, fed to consumers)
//   nudged range lo = min(0, (-127 - z) s), hi = max(0, (127 - z) s)
//   running range R = first batch ? (lo, hi) : 0.99 R + 0.01 (lo, hi)
// A tensor that is both (output of one unit, input of the next) is fake-quantised as an output
// first, then as an input, each role with its own running range, as MNN's two modules do.
//
// compute(): from the running range (m, M): scale = (M - m) / 254, zero = round(-m/s - 127);
// a unit input gets clamp [-127, 127], a unit output only [-128, 127]; for a tensor with both
// roles the input parameters win (what MNN's loader ends up with, B.5).
//
// Deviations from MNN, all deliberate:
//   * batch_size defaults to 1 (MNN: the model's batch dimension when > 0, else 32; the host
//     may pass that value in batch_size); a trailing partial batch is ignored, like MNN's
//     floor(samples / batch) iterations;
//   * Winograd simulation is not implemented: "winogradOpt": true is an error (MNN turns it on
//     by default under EMA; mnnq defaults to false and says so instead of ignoring the key);
//   * a batch whose values are all zero (s = 0: NaN in MNN) leaves the data unchanged and
//     counts as range (0, 0); a tensor whose running range stays (0, 0), or that was never
//     seen, gets valid = 0 (left float);
//   * consumers of a tensor that is both a unit output and a unit input that are not units
//     themselves read the doubly fake-quantised values (in MNN they read the output-quantised
//     ones); the difference is at most one quantisation step of the same range;
//   * the output of a global pooling (Pooling, Pooling3D or Reduction whose output has extent 1
//     in every dimension but batch and channel: a squeeze-excite vector, pooled features) keeps
//     the envelope of its batch ranges (lo = min, hi = max) instead of the moving average. Such a
//     tensor has one value per channel, so its per-image extremes vary widely and their moving
//     average clips it on most images: on MediaPipe's selfie segmentation (ten squeeze-excite
//     blocks) the average covered 2-17 % of the calibration set's largest |value| (other
//     tensors: median 52 %), and EMA's output cosine in real MNN was 0.17 (MNN's own EMA 0.25,
//     KL 0.78); with the envelope on those ten tensors alone, 0.73.
#include "common/quant_math.hpp"

#include <mnnq/plugin.hpp>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace mnnq {
namespace methods {
namespace {

constexpr float kFeatureLimit = 127.0f;  // activations always 8-bit in MNN's EMA
constexpr float kMomentum = 0.99f;

struct RunningRange {
  bool set = false;
  bool envelope = false;  // keep the widest range seen instead of the moving average
  float lo = 0.0f;
  float hi = 0.0f;

  void update(float new_lo, float new_hi) {
    if (!set) {
      lo = new_lo;
      hi = new_hi;
      set = true;
      return;
    }
    if (envelope) {
      lo = std::min(lo, new_lo);
      hi = std::max(hi, new_hi);
      return;
    }
    // MNN: old * momentum + new * (1 - momentum), in float.
    lo = lo * kMomentum + new_lo * (1.0f - kMomentum);
    hi = hi * kMomentum + new_hi * (1.0f - kMomentum);
  }
};

// Scale and zero point of a range, as MNN's computeScaleAndZeroPoint (float).
struct ScaleZero {
  float scale;
  float zero;
};
ScaleZero scaleAndZero(float lo, float hi) {
  lo = std::min(0.0f, lo);
  hi = std::max(0.0f, hi);
  ScaleZero r;
  r.scale = (hi - lo) / (2.0f * kFeatureLimit);
  r.zero = r.scale > 0.0f ? roundHalfAway((0.0f - lo) / r.scale - kFeatureLimit) : 0.0f;
  return r;
}

// Fake-quantises data with the batch's own range and returns the nudged range.
void fakeQuantizeBatch(float* data, uint64_t count, RunningRange& range) {
  float lo = 0.0f, hi = 0.0f;  // min(0, min x), max(0, max x)
  for (uint64_t i = 0; i < count; ++i) {
    const float x = data[i];
    if (!std::isfinite(x)) continue;
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  const ScaleZero sz = scaleAndZero(lo, hi);
  if (!(sz.scale > 0.0f)) {
    range.update(0.0f, 0.0f);
    return;
  }
  for (uint64_t i = 0; i < count; ++i) {
    const float q = roundHalfAway(data[i] / sz.scale + sz.zero);
    const float clamped = std::max(std::min(q, kFeatureLimit), -kFeatureLimit);
    data[i] = sz.scale * (clamped - sz.zero);
  }
  const float nudged_lo = std::min(0.0f, (-kFeatureLimit - sz.zero) * sz.scale);
  const float nudged_hi = std::max(0.0f, (kFeatureLimit - sz.zero) * sz.scale);
  range.update(nudged_lo, nudged_hi);
}

// The output of a global pooling: one value per channel (see the deviations above).
bool isGlobalPoolOutput(const sdk::TensorDesc& t) {
  const std::string type = t.producer_type ? t.producer_type : "";
  if (type != "Pooling" && type != "Pooling3D" && type != "Reduction") return false;
  if (t.ndim < 3 || t.ndim > MNNQ_MAX_DIMS) return false;
  const int channel = t.layout == MNNQ_LAYOUT_NHWC ? t.ndim - 1 : 1;
  for (int i = 1; i < t.ndim; ++i)
    if (i != channel && t.dims[i] != 1) return false;
  return true;
}

class EmaCalibrator final : public sdk::FeatureCalibrator {
 public:
  explicit EmaCalibrator(const sdk::Config& config)
      : batch_size_(config.get<int>("batch_size", 1)),      // declared 1..100000
        weight_bits_(config.get<int>("quant_bits", 8)) {    // host key, 2..8
    if (config.get<bool>("winogradOpt", false))
      throw sdk::Error(
          "winogradOpt: true is not supported: mnnq's EMA has no Winograd int8 simulation. "
          "Remove the key or set \"winogradOpt\": false (MNN enables it by default under EMA; "
          "mnnq quantizes these convolutions with the plain int8 kernel instead)",
          MNNQ_UNSUPPORTED);
  }

  uint32_t prepare(const std::vector<sdk::TensorDesc>& tensors, uint32_t) override {
    flags_.resize(tensors.size());
    for (std::size_t t = 0; t < tensors.size(); ++t) flags_[t] = tensors[t].flags;
    inputs_.assign(tensors.size(), RunningRange{});
    outputs_.assign(tensors.size(), RunningRange{});
    for (std::size_t t = 0; t < tensors.size(); ++t)
      inputs_[t].envelope = outputs_[t].envelope = isGlobalPoolOutput(tensors[t]);
    return 1;
  }

  sdk::PassDesc beginPass(uint32_t) override {
    sdk::PassDesc d{};
    d.flags = MNNQ_PASS_TRANSFORM | MNNQ_PASS_SEQUENTIAL;
    d.batch_size = uint32_t(batch_size_);
    d.weight_bits = uint32_t(weight_bits_);
    return d;
  }

  void observe(const sdk::TensorBatch&) override {
    // All work happens in transform(); the pass does not ask for observe().
  }

  void transform(const sdk::TensorBatch& b) override {
    // MNN runs floor(samples / batch) full batches; a short last batch is not used.
    if (b.batch < uint32_t(batch_size_)) return;
    const uint32_t f = flags_[b.tensor];
    if (f & MNNQ_TENSOR_UNIT_OUTPUT) fakeQuantizeBatch(b.data, b.count, outputs_[b.tensor]);
    if (f & MNNQ_TENSOR_UNIT_INPUT) fakeQuantizeBatch(b.data, b.count, inputs_[b.tensor]);
  }

  void compute(std::vector<sdk::FeatureParams>& out) override {
    for (std::size_t t = 0; t < flags_.size(); ++t) {
      const bool as_input = (flags_[t] & MNNQ_TENSOR_UNIT_INPUT) && inputs_[t].set;
      const bool as_output = (flags_[t] & MNNQ_TENSOR_UNIT_OUTPUT) && outputs_[t].set;
      if (!as_input && !as_output) continue;
      const RunningRange& r = as_input ? inputs_[t] : outputs_[t];
      const ScaleZero sz = scaleAndZero(r.lo, r.hi);
      if (!(sz.scale > 0.0f)) continue;
      sdk::FeatureParams& p = out[t];
      p.valid = 1;
      p.scale = sz.scale;
      // MNN casts the zero point to int8.
      p.zero = float(static_cast<int8_t>(std::max(-128.0f, std::min(127.0f, sz.zero))));
      p.min = as_input ? -kFeatureLimit : -128.0f;
      p.max = kFeatureLimit;
    }
  }

 private:
  int batch_size_;
  int weight_bits_;
  std::vector<uint32_t> flags_;
  std::vector<RunningRange> inputs_, outputs_;
};

const mnnq_config_key kKeys[] = {
    sdk::intKey("batch_size", "1",
                "samples per calibration batch (ranges are per batch; a short last batch is "
                "unused)",
                1, 100000),
    sdk::boolKey("winogradOpt", "false",
                 "Winograd int8 simulation: not implemented, only false is accepted")};
const char* const kHostKeys[] = {"quant_bits"};

}  // namespace
}  // namespace methods
}  // namespace mnnq

MNNQ_EXPORT_FEATURE_CALIBRATOR(mnnq::methods::EmaCalibrator, "EMA", "1.0.0",
                               "asymmetric per-tensor feature parameters from moving averages "
                               "of fake-quantised batch ranges (momentum 0.99)",
                               mnnq::sdk::PluginKeys(mnnq::methods::kKeys,
                                                     mnnq::methods::kHostKeys),
                               MNNQ_CALIBRATOR_TRANSFORMS)
