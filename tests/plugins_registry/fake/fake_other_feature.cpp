// A second calibrator ("TESTEMA") whose keys are known but unused when TESTCAL runs.
#include <mnnq/plugin.hpp>

class OtherCalibrator final : public mnnq::sdk::FeatureCalibrator {
 public:
  explicit OtherCalibrator(const mnnq::sdk::Config&) {}
  uint32_t prepare(const std::vector<mnnq::sdk::TensorDesc>&, uint32_t) override { return 1; }
  void observe(uint32_t, uint32_t, uint64_t, uint32_t, uint32_t, const float*, uint64_t) override {}
  void compute(std::vector<mnnq::sdk::FeatureParams>&) override {}
};

static const mnnq_config_key kKeys[] = {
    {"batch_size", MNNQ_VALUE_INT, nullptr, "samples per forward", 1, 4096},
    {"winogradOpt", MNNQ_VALUE_BOOL, "true", "allow Winograd", 1, 0},
};

MNNQ_EXPORT_FEATURE_CALIBRATOR(OtherCalibrator, "TESTEMA", "1.0.0", "other test calibrator", kKeys, 0)
