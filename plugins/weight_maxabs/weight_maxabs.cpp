// MAX_ABS weight quantizer: symmetric, per output channel, scale = max|w| / Cw (C.6 of
// mnn-quantizer-facts.md, MNN's default weight method).
//
// Steps, exactly as quantized.out does them:
//   1. fake quantisation of the float weights with Cw (common/quant_math.hpp);
//   2. alpha_oc = max(|min w|, |max w|) / int(Cw) over the fake-quantised weights (0 for an
//      all-zero channel);
//   3. stored integers q = alpha > 1e-6 ? clamp(round(w / alpha), -2^(b-1), 2^(b-1)-1) : 0
//      (the coded-buffer rule, A.8, which is what ends up in the file).
// Cw and b come from the host in mnnq_weight_desc (clamp, bits). With b < 8 and Cw = 127 the
// integers saturate heavily; choosing Cw for b is the host's decision (MNN's quirk, B.6).
#include "common/quant_math.hpp"

#include <mnnq/plugin.hpp>

#include <cmath>
#include <string>
#include <vector>

namespace mnnq {
namespace methods {
namespace {

class MaxAbsWeights final : public sdk::WeightQuantizer {
 public:
  explicit MaxAbsWeights(const sdk::Config&) {}

  void quantize(const sdk::WeightDesc& w, sdk::WeightResult& r) const override {
    const uint64_t per_channel = weightsPerChannel(w);  // clamp 1..127, bits 2..8: host-checked
    const float clamp = float(w.clamp);
    std::vector<float> channel(per_channel);
    for (uint32_t oc = 0; oc < w.out_channels; ++oc) {
      const float* src = w.data + uint64_t(oc) * per_channel;
      fakeQuantizeChannelLikeMnn(src, per_channel, clamp, channel.data());
      float abs_max = 0.0f;
      if (per_channel > 0) {
        const auto mm = std::minmax_element(channel.begin(), channel.end());
        abs_max = std::fmax(std::fabs(*mm.first), std::fabs(*mm.second));
      }
      // MNN divides by the clamp converted to int (SymmetricQuantizeWeight).
      const float alpha = abs_max == 0.0f ? 0.0f : abs_max / float(int(w.clamp));
      r.scales[oc] = alpha;
      int8_t* out = r.values + uint64_t(oc) * per_channel;
      for (uint64_t i = 0; i < per_channel; ++i)
        out[i] = storedWeightInteger(channel[i], alpha, w.bits);
    }
    r.asymmetric = 0;
  }
};

// Cw and b reach quantize() in mnnq_weight_desc; they come from these host keys.
const char* const kHostKeys[] = {"weight_clamp_value", "quant_bits"};

}  // namespace
}  // namespace methods
}  // namespace mnnq

MNNQ_EXPORT_WEIGHT_QUANTIZER(mnnq::methods::MaxAbsWeights, "MAX_ABS", "1.0.0",
                             "symmetric per-channel weights, scale = max|w| / weight_clamp_value",
                             mnnq::sdk::PluginKeys::hostOnly(mnnq::methods::kHostKeys))
