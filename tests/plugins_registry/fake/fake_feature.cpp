// A small but working feature calibrator for registry and handle tests: scale = max|x| / clamp.
// FAKE_NAME / FAKE_VERSION come from the build so one source yields same-named variants.
#include <mnnq/plugin.hpp>

#include <cmath>

#ifndef FAKE_NAME
#define FAKE_NAME "TESTCAL"
#endif
#ifndef FAKE_VERSION
#define FAKE_VERSION "1.0.0"
#endif

class FakeCalibrator final : public mnnq::sdk::FeatureCalibrator {
 public:
  explicit FakeCalibrator(const mnnq::sdk::Config& config)
      : clamp_(config.get<int>("feature_clamp_value", 127)) {
    if (config.get<std::string>("tc_mode", "ok") == "fail_create")
      throw mnnq::sdk::Error("tc_mode fail_create asked me to fail");
  }
  uint32_t prepare(const std::vector<mnnq::sdk::TensorDesc>& tensors, uint32_t) override {
    max_.assign(tensors.size(), 0.f);
    return 1;
  }
  void observe(const mnnq::sdk::TensorBatch& b) override {
    for (uint64_t i = 0; i < b.count; ++i) max_[b.tensor] = std::max(max_[b.tensor], std::fabs(b.data[i]));
  }
  void compute(std::vector<mnnq::sdk::FeatureParams>& out) override {
    for (size_t t = 0; t < out.size(); ++t)
      out[t] = {1, max_[t] / static_cast<float>(clamp_), 0.f, -float(clamp_), float(clamp_)};
  }

 private:
  int clamp_;
  std::vector<float> max_;
};

static const char* const kModes[] = {"ok", "fail_create"};
static const mnnq_config_key kKeys[] = {
    mnnq::sdk::makeKey(MNNQ_VALUE_INT, "tc_level", "3", "a test level", mnnq::sdk::kBounded, 1, 10),
    mnnq::sdk::choiceKey("tc_mode", "\"ok\"", "test behaviour", kModes),
};

static const char* const kHostKeys[] = {"feature_clamp_value"};

MNNQ_EXPORT_FEATURE_CALIBRATOR(FakeCalibrator, FAKE_NAME, FAKE_VERSION, "test calibrator",
                               mnnq::sdk::PluginKeys(kKeys, kHostKeys),
                               MNNQ_CALIBRATOR_SHARE_SCALES)
