// ADMM weight quantizer: per output channel, the scale alpha that (locally) minimises
// sum (w - alpha*q)^2 over symmetric integers q in [-Cw, Cw], found by alternating
// q = clamp(round(w / alpha)) and alpha = sum(w q) / sum(q^2) (C.6 of mnn-quantizer-facts.md).
//
// Exactly as quantized.out:
//   1. fake quantisation of the float weights with Cw (common/quant_math.hpp);
//   2. alpha0 = max|w| / (1.25 Cw) (Cw > 1; else mean|w|), 1000 iterations of
//      q = clamp(roundf(w / (alpha + 1e-9)), -Cw, Cw), alpha = sum(w q) / (sum(q^2) + 1e-9),
//      all in fp32 in MNN's order;
//   3. only alpha is kept; the stored integers are recomputed from alpha with the coded-buffer
//      rule (A.8), so -2^(b-1) can appear.
// Once q repeats, every later iteration reproduces the same alpha bit for bit, so the loop
// stops there: the result is identical to running all 1000 iterations.
#include "common/quant_math.hpp"

#include <mnnq/plugin.hpp>

#include <cmath>
#include <string>
#include <vector>

namespace mnnq {
namespace methods {
namespace {

constexpr int kIterations = 1000;

// The alpha MNN's QuantizeWeightADMM returns for one channel of n (fake-quantised) weights.
float admmChannelScale(const float* w, uint64_t n, float clamp, std::vector<int8_t>& q,
                       std::vector<int8_t>& previous) {
  float sum_abs = 0.0f, abs_max = 0.0f;
  for (uint64_t i = 0; i < n; ++i) {
    const float a = std::fabs(w[i]);
    sum_abs += a;
    if (a > abs_max) abs_max = a;
  }
  // MNN: max / (weightClampValue * 1.25) is evaluated in double, then stored as float.
  float alpha = clamp > 1.0f ? float(double(abs_max) / (double(clamp) * 1.25))
                             : sum_abs / float(n);
  const float eps = 1e-9f;
  q.assign(n, 0);
  previous.assign(n, 0);
  for (int iter = 0; iter < kIterations; ++iter) {
    const float divisor = alpha + eps;
    for (uint64_t i = 0; i < n; ++i) {
      const float r = roundHalfAway(w[i] / divisor);
      q[i] = static_cast<int8_t>(std::min(clamp, std::max(-clamp, r)));
    }
    if (iter > 0 && q == previous) break;  // fixed point: alpha would not change any more
    float sum1 = 0.0f, sum2 = 0.0f;
    for (uint64_t i = 0; i < n; ++i) {
      sum1 += w[i] * float(q[i]);
      sum2 += float(int(q[i]) * int(q[i]));
    }
    alpha = sum1 / (sum2 + eps);
    q.swap(previous);
  }
  return alpha;
}

class AdmmWeights final : public sdk::WeightQuantizer {
 public:
  // MNN's ADMM aborts below 7 ("quantization bits less than 4 not supported yet"): refuse such
  // a configuration at creation, before any sample is read. Without weight_clamp_value the
  // host's clamp is 2^(quant_bits-1)-1, so quant_bits below 4 is refused the same way.
  explicit AdmmWeights(const sdk::Config& config) {
    const int bits = config.get<int>("quant_bits", 8);
    const int clamp = config.get<int>("weight_clamp_value", (1 << (bits - 1)) - 1);
    if (clamp < 7)
      throw sdk::Error("weight_quantize_method ADMM needs weight_clamp_value (by default "
                       "2^(quant_bits-1)-1) of at least 7, got " + std::to_string(clamp),
                       MNNQ_INVALID_ARGUMENT);
  }

  void quantize(const sdk::WeightDesc& w, sdk::WeightResult& r) const override {
    const uint64_t per_channel = weightsPerChannel(w);
    const std::string op = std::string("convolution '") + (w.op_name ? w.op_name : "?") + "'";
    // Checked at creation too; kept here because the descriptor is what is used.
    if (w.clamp < 7 || w.clamp > 127)
      throw sdk::Error("weight_quantize_method ADMM needs weight_clamp_value within 7..127, got " +
                       std::to_string(w.clamp) + " (" + op + ")");
    if (per_channel == 0) return;
    const float clamp = float(w.clamp);
    std::vector<float> channel(per_channel);
    std::vector<int8_t> q, previous;
    for (uint32_t oc = 0; oc < w.out_channels; ++oc) {
      const float* src = w.data + uint64_t(oc) * per_channel;
      fakeQuantizeChannelLikeMnn(src, per_channel, clamp, channel.data());
      const float alpha = admmChannelScale(channel.data(), per_channel, clamp, q, previous);
      if (!std::isfinite(alpha))
        throw sdk::Error(op + ": ADMM gave a non-finite scale for output channel " +
                             std::to_string(oc) + " (non-finite weights?)",
                         MNNQ_INVALID_ARGUMENT);
      r.scales[oc] = alpha;
      int8_t* out = r.values + uint64_t(oc) * per_channel;
      for (uint64_t i = 0; i < per_channel; ++i)
        out[i] = storedWeightInteger(channel[i], alpha, w.bits);
    }
    r.asymmetric = 0;
  }
};

// Cw and b reach quantize() in mnnq_weight_desc; they come from these host keys (the host's
// range for weight_clamp_value is 1..127; this method needs at least 7 and says so at creation).
const char* const kHostKeys[] = {"weight_clamp_value", "quant_bits"};

}  // namespace
}  // namespace methods
}  // namespace mnnq

MNNQ_EXPORT_WEIGHT_QUANTIZER(mnnq::methods::AdmmWeights, "ADMM", "1.0.0",
                             "per-channel weight scales minimising the squared error (ADMM, 1000 "
                             "iterations)",
                             mnnq::sdk::PluginKeys::hostOnly(mnnq::methods::kHostKeys))
