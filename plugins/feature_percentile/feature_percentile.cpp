// PERCENTILE feature calibrator (shipped): per tensor a symmetric scale
// T / feature_clamp_value, T = the `percentile` of |x| over all calibration samples, read from a
// `percentile_bins`-bin histogram of |x| over [0, max |x|] (the upper edge of the first bin where
// the cumulative count reaches ceil(total * p / 100); p = 100 gives max |x|, i.e. MINMAX).
// Two streaming passes, integer histograms merged in shard order (common/abs_histogram.hpp).
//
// sdk/examples/percentile is the same method written as a stand-alone example for plugin
// authors, named PERCENTILE_EXAMPLE so both can be loaded at once.
#include "common/abs_histogram.hpp"

#include <mnnq/plugin.hpp>

namespace mnnq {
namespace methods {
namespace {

class PercentileCalibrator final : public AbsHistogramCalibrator {
 public:
  explicit PercentileCalibrator(const sdk::Config& config)
      : AbsHistogramCalibrator(featureClampValue(config),
                               config.get<uint32_t>("percentile_bins", 4096)),
        percent_(config.get<double>("percentile", 99.99)) {}  // declared 50..100

 protected:
  uint32_t thresholdBins(const std::vector<uint64_t>& counts) const override {
    return percentileThresholdBins(counts, percent_);
  }

 private:
  double percent_;
};

// Same declarations as the SDK example, so either plugin accepts the same configs.
const mnnq_config_key kKeys[] = {
    sdk::numberKey(
        "percentile", "99.99",
        "percent of |x| kept inside the int8 range: scale = percentile(|x|) / feature_clamp_value",
        50, 100),
    sdk::intKey("percentile_bins", "4096",
                "histogram bins over [0, max|x|]: the threshold's resolution is max|x| / bins", 256,
                1 << 20),
};
const char* const kHostKeys[] = {"feature_clamp_value"};

}  // namespace
}  // namespace methods
}  // namespace mnnq

MNNQ_EXPORT_FEATURE_CALIBRATOR(mnnq::methods::PercentileCalibrator, "PERCENTILE", "1.0.0",
                               "symmetric feature scales from a percentile of |x| (clips outliers)",
                               mnnq::sdk::PluginKeys(mnnq::methods::kKeys,
                                                     mnnq::methods::kHostKeys),
                               MNNQ_CALIBRATOR_SHARE_SCALES)
