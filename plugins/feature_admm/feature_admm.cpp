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
#include <exception>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace mnnq {
namespace methods {
namespace {

class AdmmCalibrator final : public sdk::FeatureCalibrator {
 public:
  explicit AdmmCalibrator(const sdk::Config& config)
      : clamp_(featureClampValue(config)), per_sample_(perSampleScope(config)) {}

  uint32_t prepare(const std::vector<sdk::TensorDesc>& tensors, uint32_t num_shards) override {
    checkTensorIndexes(tensors);
    if (num_shards == 0) throw sdk::Error("prepare: 0 shards", MNNQ_INVALID_STATE);
    num_tensors_ = tensors.size();
    num_shards_ = num_shards;
    ranges_.reset(tensors.size(), num_shards);
    value_counts_.assign(std::size_t(num_shards) * tensors.size(), 0);
    histograms_.clear();
    histograms_.resize(tensors.size());
    exact_.clear();
    exact_.resize(tensors.size());
    range_done_ = false;
    sample_means_.clear();
    if (per_sample_) {
      sample_means_.resize(tensors.size());
      for (auto& m : sample_means_) m = std::make_unique<AdmmSampleMean>();
      return 1;
    }
    return 2;
  }

  void observe(uint32_t pass, uint32_t shard, uint64_t first_sample, uint32_t batch,
               uint32_t tensor, const float* data, uint64_t count) override {
    checkTensorArgument(tensor, num_tensors_, "observe");
    if (per_sample_) {
      if (pass != 0)
        throw sdk::Error("observe: ADMM (admm_scope \"sample\") has 1 pass, got pass " +
                             std::to_string(pass),
                         MNNQ_INVALID_STATE);
      // A call may carry a batch of samples, one after another in the data.
      const uint64_t samples = batch > 1 && count % batch == 0 ? batch : 1;
      const uint64_t per = count / samples;
      for (uint64_t b = 0; b < samples; ++b)
        sample_means_[tensor]->add(first_sample + b, data + b * per, per, clamp_);
      return;
    }
    if (pass == 0) {
      if (shard >= num_shards_)
        throw sdk::Error("observe: shard " + std::to_string(shard) + " out of range",
                         MNNQ_INVALID_STATE);
      ranges_.update(shard, tensor, data, count);
      value_counts_[std::size_t(shard) * num_tensors_ + tensor] += count;
    } else if (pass == 1) {
      if (!range_done_)
        throw sdk::Error("histogram pass before the range pass ended", MNNQ_INVALID_STATE);
      if (exact_[tensor])
        exact_[tensor]->add(first_sample, data, count);
      else if (histograms_[tensor])
        histograms_[tensor]->add(data, count);
    } else {
      throw sdk::Error("observe: ADMM has 2 passes, got pass " + std::to_string(pass),
                       MNNQ_INVALID_STATE);
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
    range_done_ = true;
  }

  void compute(std::vector<sdk::FeatureParams>& out) override {
    if (!per_sample_ && !range_done_)
      throw sdk::Error("compute() called before the range pass ended", MNNQ_INVALID_STATE);
    // Independent per tensor: spread over threads; the output does not depend on how.
    const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
    const std::size_t workers = std::min<std::size_t>(hw, std::max<std::size_t>(1, num_tensors_));
    std::vector<std::thread> pool;
    std::vector<std::exception_ptr> errors(workers);
    for (std::size_t w = 0; w < workers; ++w)
      pool.emplace_back([&, w] {
        try {
          for (std::size_t t = w; t < num_tensors_; t += workers) out[t] = computeOne(t);
        } catch (...) {
          errors[w] = std::current_exception();
        }
      });
    for (auto& th : pool) th.join();
    for (auto& e : errors)
      if (e) std::rethrow_exception(e);
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

  static bool perSampleScope(const sdk::Config& config) {
    const std::string scope = config.get<std::string>("admm_scope", "dataset");
    if (scope == "sample") return true;
    if (scope == "dataset") return false;
    throw sdk::Error("config key 'admm_scope' must be \"sample\" or \"dataset\", got \"" +
                         scope + "\"",
                     MNNQ_INVALID_ARGUMENT);
  }

  int clamp_;
  bool per_sample_;
  std::vector<std::unique_ptr<AdmmSampleMean>> sample_means_;  // sample scope, per tensor
  std::size_t num_tensors_ = 0;
  uint32_t num_shards_ = 0;
  ShardedRange ranges_;
  std::vector<uint64_t> value_counts_;  // [shard][tensor], pass 0
  bool range_done_ = false;
  std::vector<std::unique_ptr<AdmmHistogram>> histograms_;
  std::vector<std::unique_ptr<AdmmExact>> exact_;
};

const mnnq_config_key kKeys[] = {
    {"feature_clamp_value", MNNQ_VALUE_INT, "127",
     "integer limit Cf of quantised features: values in [-Cf, Cf]", 1, 127},
    {"admm_scope", MNNQ_VALUE_STRING, "\"dataset\"",
     "{dataset|sample} dataset: one minimum of the squared error over all samples (MNN's "
     "definition); sample: MNN's iteration per sample, scales averaged over the samples",
     1, 0}};

}  // namespace
}  // namespace methods
}  // namespace mnnq

MNNQ_EXPORT_FEATURE_CALIBRATOR(mnnq::methods::AdmmCalibrator, "ADMM", "1.0.0",
                               "symmetric per-tensor feature scales minimising the squared "
                               "error (ADMM), streaming and memory-bounded",
                               mnnq::methods::kKeys, 0u)
