// ADMM feature calibrator: per tensor, the symmetric scale alpha that (locally) minimises the
// squared quantisation error sum (x - alpha q)^2 over q in [-Cf, Cf] (C.4 of
// mnn-quantizer-facts.md).
//
// Two scopes (config key admm_scope):
//   "dataset" (default): one minimum over all samples together, what MNN's algorithm computes
//     in exact arithmetic (below).
//   "sample": MNN's iteration per sample, the alphas averaged over the samples
//     (admm_sample_mean.hpp, one pass). It follows a tensor's typical range rather than the
//     extremes of the whole data set: better on the UltraFace detectors, worse on the other
//     fixture models (README, "mnnq and quantized.out"), hence an option, not the default.
//
// Dataset scope. MNN feeds all N samples as one batch and iterates on the raw data (1.86 GB
// and 27 minutes on the 320x240 face detector at 251 images). Here it streams in two passes
// with bounded memory:
//   0: max|x| per tensor (per shard, merged in endPass);
//   1: for tensors with at most 256 Ki values over all samples (while a 32 MiB budget lasts),
//      the values themselves (admm_exact.hpp): on few values single values decide where the
//      iteration stops, which a histogram cannot reproduce (2.5 % off on a 6144-value tensor);
//      for the others a 16384-bin histogram of |x| with per-bin count and sum
//      (admm_histogram.hpp), about 400 KB per tensor whatever the number of samples;
// compute() runs the 300 iterations (alpha0 = M / (2.5 Cf)) on either.
// Result: scale = alpha, zero 0, clamp [-Cf, Cf]. No scale sharing (MNN's ADMM has none).
//
// Deviations from MNN, all deliberate:
//   * on large tensors the iteration runs on binned data: each step within ~1e-5 of the exact
//     step, the result within 0.1 % of the exact iteration on 10^5..10^6 values;
//   * MNN accumulates the two sums sequentially in fp32 over every value of the batch (10^7
//     on a 320x240 detector with 32 images); that drifts by percents (measured on synthetic
//     data: 4 % at 10^5 post-ReLU values, 18 % at 10^7), so for large tensors MNN's scale is
//     not the exact ADMM optimum. The sums here are exact (fixed point), the iteration double;
//   * a tensor never observed, or all zero (MNN: scale 0), gets valid = 0 (left float);
//   * non-finite values are ignored.
#include "admm_exact.hpp"
#include "admm_histogram.hpp"
#include "admm_sample_mean.hpp"
#include "common/quant_math.hpp"

#include <mnnq/plugin.hpp>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

namespace mnnq {
namespace methods {
namespace {

class AdmmCalibrator final : public sdk::FeatureCalibrator {
 public:
  AdmmCalibrator(const sdk::Config& config, const sdk::Host& host)
      : host_(host), clamp_(featureClampValue(config)),
        per_sample_(config.get<std::string>("admm_scope", "dataset") == "sample") {}

  uint32_t prepare(const std::vector<sdk::TensorDesc>& tensors, uint32_t num_shards) override {
    num_tensors_ = tensors.size();
    num_shards_ = num_shards;
    ranges_.reset(tensors.size(), num_shards);
    value_counts_.assign(std::size_t(num_shards) * tensors.size(), 0);
    histograms_.clear();
    histograms_.resize(tensors.size());
    exact_.clear();
    exact_.resize(tensors.size());
    sample_means_.clear();
    if (per_sample_) {
      sample_means_.resize(tensors.size());
      for (auto& m : sample_means_) m = std::make_unique<AdmmSampleMean>();
      return 1;
    }
    return 2;
  }

  void observe(const sdk::TensorBatch& b) override {
    const uint32_t tensor = b.tensor;
    if (per_sample_) {
      // A call may carry a batch of samples, one after another in the data.
      const uint64_t samples = b.batch > 1 && b.count % b.batch == 0 ? b.batch : 1;
      const uint64_t per = b.count / samples;
      for (uint64_t k = 0; k < samples; ++k)
        sample_means_[tensor]->add(b.first_sample + k, b.data + k * per, per, clamp_);
      return;
    }
    if (b.pass == 0) {
      ranges_.update(b.shard, tensor, b.data, b.count);
      value_counts_[std::size_t(b.shard) * num_tensors_ + tensor] += b.count;
    } else if (exact_[tensor]) {
      exact_[tensor]->add(b.first_sample, b.data, b.count);
    } else if (histograms_[tensor]) {
      histograms_[tensor]->add(b.data, b.count);
    }
  }

  void endPass(uint32_t pass) override {
    if (pass != 0 || per_sample_) return;
    const auto merged = ranges_.merge();
    uint64_t kept = 0;  // values kept raw so far, tensors taken in index order (deterministic)
    for (std::size_t t = 0; t < num_tensors_; ++t) {
      const float m = std::max(std::fabs(merged[t].max), std::fabs(merged[t].min));
      if (!merged[t].seen || !(m > 0.0f) || !std::isfinite(m)) continue;
      uint64_t values = 0;
      for (uint32_t s = 0; s < num_shards_; ++s) values += value_counts_[std::size_t(s) * num_tensors_ + t];
      if (values <= kExactMaxValues && kept + values <= kExactBudgetValues) {
        exact_[t] = std::make_unique<AdmmExact>();
        kept += values;
      } else {
        histograms_[t] = std::make_unique<AdmmHistogram>(m);
      }
    }
  }

  void compute(std::vector<sdk::FeatureParams>& out) override {
    // Independent per tensor: spread over the host's thread budget; the output does not depend
    // on how.
    host_.parallelFor(num_tensors_, [&](uint64_t t, uint32_t) { out[t] = computeOne(t); });
  }

 private:
  sdk::FeatureParams computeOne(std::size_t t) const {
    sdk::FeatureParams p{};
    float alpha = 0.0f;
    if (per_sample_)
      alpha = sample_means_[t]->mean();
    else if (exact_[t] && exact_[t]->elements() > 0)
      alpha = exact_[t]->solve(clamp_);
    else if (histograms_[t] && histograms_[t]->elements() > 0)
      alpha = histograms_[t]->solve(clamp_);
    if (!(alpha > 0.0f) || !std::isfinite(alpha)) return p;
    p.valid = 1;
    p.scale = alpha;
    p.zero = 0.0f;
    p.min = -float(clamp_);
    p.max = float(clamp_);
    return p;
  }

  // Raw values kept for one tensor at most (1 MiB) and for all tensors together (32 MiB).
  static constexpr uint64_t kExactMaxValues = uint64_t(1) << 18;
  static constexpr uint64_t kExactBudgetValues = uint64_t(1) << 23;

  sdk::Host host_;
  int clamp_;
  bool per_sample_;
  std::vector<std::unique_ptr<AdmmSampleMean>> sample_means_;  // sample scope, per tensor
  std::size_t num_tensors_ = 0;
  uint32_t num_shards_ = 0;
  ShardedRange ranges_;
  std::vector<uint64_t> value_counts_;  // [shard][tensor], pass 0
  std::vector<std::unique_ptr<AdmmHistogram>> histograms_;
  std::vector<std::unique_ptr<AdmmExact>> exact_;
};

const char* const kScopes[] = {"dataset", "sample"};
const mnnq_config_key kKeys[] = {sdk::choiceKey(
    "admm_scope", "\"dataset\"",
    "dataset: one minimum of the squared error over all samples (MNN's definition); sample: "
    "MNN's iteration per sample, scales averaged over the samples",
    kScopes)};
const char* const kHostKeys[] = {"feature_clamp_value"};

}  // namespace
}  // namespace methods
}  // namespace mnnq

MNNQ_EXPORT_FEATURE_CALIBRATOR(mnnq::methods::AdmmCalibrator, "ADMM", "1.0.0",
                               "symmetric per-tensor feature scales minimising the squared "
                               "error (ADMM), streaming and memory-bounded",
                               mnnq::sdk::PluginKeys(mnnq::methods::kKeys,
                                                     mnnq::methods::kHostKeys),
                               0u)
