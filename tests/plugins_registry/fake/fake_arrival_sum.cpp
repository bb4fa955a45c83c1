// TESTSUM: a calibrator whose result depends on the ORDER in which each shard sees its samples.
// Per shard and tensor it folds every value in arrival order, acc = acc * 0.75 + x (float), and
// compute() adds the shards in index order. The host promises each shard its samples in sample
// order whatever the thread count, so the written model must be byte-identical for 1, 2 and 8
// threads; samples reaching a shard in arrival order would change the folds. It declares no
// configuration key at all (PluginKeys()), which the SDK must allow.
#include <mnnq/plugin.hpp>

#include <cmath>
#include <vector>

class ArrivalSum final : public mnnq::sdk::FeatureCalibrator {
 public:
  explicit ArrivalSum(const mnnq::sdk::Config&) {}
  uint32_t prepare(const std::vector<mnnq::sdk::TensorDesc>& tensors, uint32_t shards) override {
    tensors_ = tensors.size();
    shards_ = shards;
    acc_.assign(shards_ * tensors_, 0.0f);
    return 1;
  }
  void observe(const mnnq::sdk::TensorBatch& b) override {
    float& acc = acc_[b.shard * tensors_ + b.tensor];
    for (uint64_t i = 0; i < b.count; ++i) acc = acc * 0.75f + b.data[i];
  }
  void compute(std::vector<mnnq::sdk::FeatureParams>& out) override {
    for (size_t t = 0; t < tensors_; ++t) {
      float total = 0.0f;
      for (size_t s = 0; s < shards_; ++s) total += acc_[s * tensors_ + t];
      out[t] = {1, 0.01f + std::fabs(total) * 1e-4f, 0.0f, -127.0f, 127.0f};
    }
  }

 private:
  size_t tensors_ = 0, shards_ = 0;
  std::vector<float> acc_;  // [shard][tensor]
};

MNNQ_EXPORT_FEATURE_CALIBRATOR(ArrivalSum, "TESTSUM", "1.0.0",
                               "test: per-shard folds in arrival order", {}, 0)
