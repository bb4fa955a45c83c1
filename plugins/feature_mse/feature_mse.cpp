// MSE feature calibrator: per tensor the symmetric threshold T that minimises the expected
// squared quantisation error of the tensor's |x| histogram, rounding and clipping both counted:
// values up to T are rounded to the grid T / Cf, values above T are clipped to T. Values are
// taken as uniform within each of `mse_bins` bins over [0, max |x|]; the error of a bin is then
// an exact integral (common/abs_histogram.hpp, expectedSquaredError), and every bin edge is a
// candidate T (the smallest wins on ties). scale = T / feature_clamp_value, zero 0.
// Two streaming passes, integer histograms merged in shard order.
#include "common/abs_histogram.hpp"

#include <mnnq/plugin.hpp>

namespace mnnq {
namespace methods {
namespace {

class MseCalibrator final : public AbsHistogramCalibrator {
 public:
  explicit MseCalibrator(const sdk::Config& config)
      : AbsHistogramCalibrator(featureClampValue(config), config.get<uint32_t>("mse_bins", 2048)) {}

 protected:
  uint32_t thresholdBins(const std::vector<uint64_t>& counts) const override {
    return mseThresholdBins(counts, clamp_);
  }
};

const mnnq_config_key kKeys[] = {sdk::intKey(
    "mse_bins", "2048",
    "histogram bins over [0, max|x|] (MSE): every bin edge is a candidate threshold", 128,
    16384)};
const char* const kHostKeys[] = {"feature_clamp_value"};

}  // namespace
}  // namespace methods
}  // namespace mnnq

MNNQ_EXPORT_FEATURE_CALIBRATOR(mnnq::methods::MseCalibrator, "MSE", "1.0.0",
                               "symmetric feature scales minimising the expected squared "
                               "quantisation error (rounding and clipping) of |x|'s histogram",
                               mnnq::sdk::PluginKeys(mnnq::methods::kKeys,
                                                     mnnq::methods::kHostKeys),
                               MNNQ_CALIBRATOR_SHARE_SCALES)
