// PERCENTILE_EXAMPLE: per-tensor symmetric feature scales from a percentile of |x|, written as
// the example of a third-party plugin (mnnq ships its own PERCENTILE; this one has another name
// so both can be loaded at once).
//
// Max-abs calibration lets one outlier stretch the whole int8 grid; KL searches a threshold
// by divergence. A percentile is the simple middle ground many frameworks offer and MNN does
// not: clip the top (100 - p) percent of |x|, so scale = percentile_p(|x|) / feature_clamp_value.
//
// Two passes, streaming (no sample is kept):
//   pass 0: max |x| per tensor, per shard, merged by max   -> histogram range [0, max]
//   pass 1: histogram of |x| with `percentile_bins` bins, integer counts per shard, merged by
//           adding the shards in index order; integer addition makes the result independent of
//           how samples were spread over threads.
// The threshold is the upper edge of the first bin where the cumulative count reaches
// ceil(total * p / 100), so p = 100 gives exactly max |x|.
//
// What the SDK does for it: the host validates `percentile` and `percentile_bins` against the
// declarations below and `feature_clamp_value` against its own (the plugin only names it), calls
// the methods in the documented order with shard and tensor indexes in range, feeds each shard
// its samples in sample order, and turns any exception into an error naming the plugin.
#include <mnnq/plugin.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace {

class Percentile final : public mnnq::sdk::FeatureCalibrator {
 public:
  explicit Percentile(const mnnq::sdk::Config& config)
      : percentile_(config.get<double>("percentile", 99.99)),
        bins_(config.get<uint32_t>("percentile_bins", 4096)),
        clamp_(config.get<int>("feature_clamp_value", 127)) {}

  uint32_t prepare(const std::vector<mnnq::sdk::TensorDesc>& tensors, uint32_t shards) override {
    tensors_ = static_cast<uint32_t>(tensors.size());
    shards_ = shards;
    shard_max_.assign(size_t(shards_) * tensors_, 0.f);
    histograms_.assign(size_t(shards_) * tensors_, {});
    return 2;
  }

  void observe(const mnnq::sdk::TensorBatch& b) override {
    const uint32_t tensor = b.tensor;
    const float* data = b.data;
    const uint64_t count = b.count;
    size_t slot = size_t(b.shard) * tensors_ + tensor;  // one shard = one thread at a time
    if (b.pass == 0) {
      float m = shard_max_[slot];
      for (uint64_t i = 0; i < count; ++i) m = std::max(m, std::fabs(data[i]));
      shard_max_[slot] = m;
      return;
    }
    if (range_[tensor] <= kTinyRange) return;
    std::vector<uint64_t>& histogram = histograms_[slot];
    if (histogram.empty()) histogram.assign(bins_, 0);  // allocated only where data arrives
    const double per_unit = double(bins_) / double(range_[tensor]);
    for (uint64_t i = 0; i < count; ++i) {
      double position = double(std::fabs(data[i])) * per_unit;
      size_t bin = position >= double(bins_) ? bins_ - 1 : size_t(position);
      ++histogram[bin];
    }
  }

  void endPass(uint32_t pass) override {
    if (pass == 0) {
      range_.assign(tensors_, 0.f);
      for (uint32_t s = 0; s < shards_; ++s)
        for (uint32_t t = 0; t < tensors_; ++t)
          range_[t] = std::max(range_[t], shard_max_[size_t(s) * tensors_ + t]);
      return;
    }
    merged_.assign(tensors_, {});
    for (uint32_t s = 0; s < shards_; ++s) {
      for (uint32_t t = 0; t < tensors_; ++t) {
        std::vector<uint64_t>& part = histograms_[size_t(s) * tensors_ + t];
        if (part.empty()) continue;
        if (merged_[t].empty()) merged_[t].assign(bins_, 0);
        for (uint32_t b = 0; b < bins_; ++b) merged_[t][b] += part[b];
        std::vector<uint64_t>().swap(part);  // free as we go
      }
    }
  }

  void compute(std::vector<mnnq::sdk::FeatureParams>& out) override {
    for (uint32_t t = 0; t < tensors_; ++t) {
      // Never observed or (almost) all zero: no useful scale; the tensor stays float.
      if (t >= merged_.size() || merged_[t].empty() || range_[t] <= kTinyRange) continue;
      const std::vector<uint64_t>& histogram = merged_[t];
      uint64_t total = 0;
      for (uint64_t c : histogram) total += c;
      uint64_t target = static_cast<uint64_t>(std::ceil(double(total) * percentile_ / 100.0 - 1e-9));
      target = std::max<uint64_t>(1, std::min(target, total));
      uint64_t cumulative = 0;
      uint32_t bin = 0;
      for (; bin < bins_; ++bin) {
        cumulative += histogram[bin];
        if (cumulative >= target) break;
      }
      double threshold = double(std::min(bin + 1, bins_)) * double(range_[t]) / double(bins_);
      out[t].valid = 1;
      out[t].scale = float(threshold / clamp_);
      out[t].zero = 0.f;
      out[t].min = -float(clamp_);
      out[t].max = float(clamp_);
    }
  }

 private:
  static constexpr float kTinyRange = 1e-5f;

  double percentile_;
  uint32_t bins_;
  int clamp_;
  uint32_t tensors_ = 0;
  uint32_t shards_ = 1;
  std::vector<float> shard_max_;                   // [shard][tensor], pass 0
  std::vector<float> range_;                       // [tensor], after pass 0
  std::vector<std::vector<uint64_t>> histograms_;  // [shard][tensor], pass 1
  std::vector<std::vector<uint64_t>> merged_;      // [tensor], after pass 1
};

const mnnq_config_key kKeys[] = {
    mnnq::sdk::numberKey(
        "percentile", "99.99",
        "percent of |x| kept inside the int8 range: scale = percentile(|x|) / feature_clamp_value",
        50, 100),
    mnnq::sdk::intKey("percentile_bins", "4096",
                      "histogram bins over [0, max|x|]: the threshold's resolution is max|x| / bins",
                      256, 1 << 20),
};
// A host key: the host declares it (type, default, range); the plugin only says it reads it.
const char* const kHostKeys[] = {"feature_clamp_value"};

}  // namespace

MNNQ_EXPORT_FEATURE_CALIBRATOR(Percentile, "PERCENTILE_EXAMPLE", "2.0.0",
                               "example plugin (sdk/examples/percentile): symmetric feature scales "
                               "from a percentile of |x|",
                               mnnq::sdk::PluginKeys(kKeys, kHostKeys), MNNQ_CALIBRATOR_SHARE_SCALES)
