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
    checkTensorIndexes(tensors);
    if (shards == 0) throw sdk::Error("prepare: 0 shards", MNNQ_INVALID_STATE);
    tensors_ = tensors.size();
    shards_ = shards;
    ranges_.reset(tensors_, shards_);
    ended_ = false;
    return 1;
  }

  void observe(uint32_t pass, uint32_t shard, uint64_t, uint32_t, uint32_t tensor,
               const float* data, uint64_t count) override {
    checkTensorArgument(tensor, tensors_, "observe");
    if (pass != 0)
      throw sdk::Error("observe: MINMAX has 1 pass, got pass " + std::to_string(pass),
                       MNNQ_INVALID_STATE);
    if (shard >= shards_)
      throw sdk::Error("observe: shard " + std::to_string(shard) + " out of range",
                       MNNQ_INVALID_STATE);
    ranges_.update(shard, tensor, data, count);
  }

  void endPass(uint32_t) override { ended_ = true; }

  void compute(std::vector<sdk::FeatureParams>& out) override {
    if (!ended_) throw sdk::Error("compute() called before the pass ended", MNNQ_INVALID_STATE);
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
  bool ended_ = false;
  ShardedRange ranges_;
};

const mnnq_config_key kKeys[] = {
    {"feature_clamp_value", MNNQ_VALUE_INT, "127",
     "integer limit Cf of quantised features: scale = threshold / Cf, values in [-Cf, Cf]", 1,
     127},
};

}  // namespace
}  // namespace methods
}  // namespace mnnq

MNNQ_EXPORT_FEATURE_CALIBRATOR(mnnq::methods::MinMaxCalibrator, "MINMAX", "1.0.0",
                               "symmetric feature scales from max |x| (no clipping)",
                               mnnq::methods::kKeys, MNNQ_CALIBRATOR_SHARE_SCALES)
