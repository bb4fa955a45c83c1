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
  void observe(uint32_t, uint32_t, uint64_t, uint32_t, uint32_t tensor, const float* data,
               uint64_t count) override {
    if (tensor >= max_.size()) throw mnnq::sdk::Error("tensor index out of range", MNNQ_INVALID_STATE);
    for (uint64_t i = 0; i < count; ++i) max_[tensor] = std::max(max_[tensor], std::fabs(data[i]));
  }
  void compute(std::vector<mnnq::sdk::FeatureParams>& out) override {
    for (size_t t = 0; t < out.size(); ++t)
      out[t] = {1, max_[t] / static_cast<float>(clamp_), 0.f, -float(clamp_), float(clamp_)};
  }

 private:
  int clamp_;
  std::vector<float> max_;
};

static const mnnq_config_key kKeys[] = {
    {"tc_level", MNNQ_VALUE_INT, "3", "a test level", 1, 10},
    {"tc_mode", MNNQ_VALUE_STRING, "\"ok\"", "{ok|fail_create} test behaviour", 1, 0},
};

MNNQ_EXPORT_FEATURE_CALIBRATOR(FakeCalibrator, FAKE_NAME, FAKE_VERSION, "test calibrator", kKeys,
                               MNNQ_CALIBRATOR_SHARE_SCALES)
