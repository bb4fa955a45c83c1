// Weight quantizer for tests: max-abs per output channel.
#include <mnnq/plugin.hpp>

#include <cmath>

class FakeWeights final : public mnnq::sdk::WeightQuantizer {
 public:
  explicit FakeWeights(const mnnq::sdk::Config&) {}
  void quantize(const mnnq::sdk::WeightDesc& w, mnnq::sdk::WeightResult& r) const override {
    if (w.out_channels == 0) throw mnnq::sdk::Error("no output channels");
    uint64_t per = w.count / w.out_channels;
    for (uint32_t oc = 0; oc < w.out_channels; ++oc) {
      float m = 0;
      for (uint64_t i = 0; i < per; ++i) m = std::max(m, std::fabs(w.data[oc * per + i]));
      r.scales[oc] = m / static_cast<float>(w.clamp);
      for (uint64_t i = 0; i < per; ++i)
        r.values[oc * per + i] = static_cast<int8_t>(
            r.scales[oc] > 0 ? std::lround(w.data[oc * per + i] / r.scales[oc]) : 0);
    }
  }
};

#if defined(FAKE_NO_KEYS)
// A plugin with no configuration key at all: standard C++ (no zero-length array).
MNNQ_EXPORT_WEIGHT_QUANTIZER(FakeWeights, "TESTNOKEYS", "1.0.0", "test weight quantizer, no keys",
                             {})
#else
static const mnnq_config_key kKeys[] = {
    mnnq::sdk::boolKey("tw_unused", "false", "unused")};

MNNQ_EXPORT_WEIGHT_QUANTIZER(FakeWeights, "TESTW", "1.0.0", "test weight quantizer", kKeys)
#endif
