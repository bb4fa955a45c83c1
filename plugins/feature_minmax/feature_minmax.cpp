// MINMAX feature calibrator: per tensor the symmetric scale max |x| / feature_clamp_value over
// all calibration samples (no clipping). One streaming pass: per-shard min/max merged in shard
// order (min and max are order-independent). Tensors never observed or with max |x| <= 1e-5
// stay float (valid = 0), as with KL.
#include "common/abs_histogram.hpp"
#include "common/quant_math.hpp"

#include <mnnq/plugin.hpp>

#include <cmath>

namespace mnnq {
namespace methods {
namespace {

class MinMaxCalibrator final : public sdk::FeatureCalibrator {
 public:
  explicit MinMaxCalibrator(const sdk::Config& config) : clamp_(featureClampValue(config)) {}

  uint32_t prepare(const std::vector<sdk::TensorDesc>& tensors, uint32_t shards) override {
    tensors_ = tensors.size();
    shards_ = shards;
    ranges_.reset(tensors_, shards_);
    return 1;
  }

  // One pass; the host calls in order with shard and tensor in range (abi.h).
  void observe(const sdk::TensorBatch& b) override {
    ranges_.update(b.shard, b.tensor, b.data, b.count);
  }

  void compute(std::vector<sdk::FeatureParams>& out) override {
    const auto merged = ranges_.merge();
    for (std::size_t t = 0; t < tensors_; ++t) {
      out[t] = sdk::FeatureParams{};
      const float m = std::max(std::fabs(merged[t].min), std::fabs(merged[t].max));
      if (!merged[t].seen || !(m > kTinyAbsRange)) continue;
      out[t].valid = 1;
      out[t].scale = float(double(m) / clamp_);
      out[t].zero = 0.0f;
      out[t].min = -float(clamp_);
      out[t].max = float(clamp_);
    }
  }

 private:
  int clamp_;
  std::size_t tensors_ = 0;
  uint32_t shards_ = 1;
  ShardedRange ranges_;
};

const char* const kHostKeys[] = {"feature_clamp_value"};

}  // namespace
}  // namespace methods
}  // namespace mnnq

MNNQ_EXPORT_FEATURE_CALIBRATOR(mnnq::methods::MinMaxCalibrator, "MINMAX", "1.0.0",
                               "symmetric feature scales from max |x| (no clipping)",
                               mnnq::sdk::PluginKeys::hostOnly(mnnq::methods::kHostKeys),
                               MNNQ_CALIBRATOR_SHARE_SCALES)
