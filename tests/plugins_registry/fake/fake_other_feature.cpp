// A second calibrator ("TESTEMA") whose keys are known but unused when TESTCAL runs.
#include <mnnq/plugin.hpp>

class OtherCalibrator final : public mnnq::sdk::FeatureCalibrator {
 public:
  explicit OtherCalibrator(const mnnq::sdk::Config&) {}
  uint32_t prepare(const std::vector<mnnq::sdk::TensorDesc>&, uint32_t) override { return 1; }
  void observe(const mnnq::sdk::TensorBatch&) override {}
  void compute(std::vector<mnnq::sdk::FeatureParams>&) override {}
};

static const mnnq_config_key kKeys[] = {
    mnnq::sdk::makeKey(MNNQ_VALUE_INT, "batch_size", nullptr, "samples per forward", mnnq::sdk::kBounded, 1, 4096),
    mnnq::sdk::makeKey(MNNQ_VALUE_BOOL, "winogradOpt", "true", "allow Winograd"),
};

MNNQ_EXPORT_FEATURE_CALIBRATOR(OtherCalibrator, "TESTEMA", "1.0.0", "other test calibrator", kKeys, 0)
