// KL feature calibrator: per tensor, a symmetric scale whose clipping threshold minimises the
// KL divergence between the |x| histogram and its 128-level quantisation (C.3 of
// mnn-quantizer-facts.md, MNN's default method).
//
// Passes (the host runs one forward over all samples per pass):
//   0: min/max of every tensor (per shard, merged in endPass);
//   1: 2048-bin histogram of |x| over [0, M], M = max(|min|, |max|), elements with
//      |x| <= 1e-6 skipped, bin = min(int(|x| * 2048/M), 2047) (kl_histogram.cpp); only for
//      tensors that are searched (not those that take THRESHOLD_MAX, below).
// Counts are exact integers (uint64), so merging shards in any order gives the same histogram
// whatever the thread count; compute() converts them to the float values MNN's accumulation
// produces (mnnBinValue) before the search.
//
// compute(): t = KL search (kl_threshold.cpp), or t = 2047 (THRESHOLD_MAX) for tensors with
// H*W < 100; scale = (t + 0.5) * M / (2048 * Cf), zero 0, clamp [-Cf, Cf]. H, W are dims 2,3
// (NCHW / NC4HW4) or 1,2 (NHWC); a dim the tensor lacks counts as 0, as MNN reads it (so 2-D
// tensors and 3-D NCHW ones take THRESHOLD_MAX, 3-D NHWC ones are searched; seen on
// blazeface_tf, whose [1,768,2] NHWC box tensor MNN searched).
//
// Deviations from MNN, all deliberate:
//   * tensors never observed, or with M <= 1e-5 (MNN writes scale 0), get valid = 0 (float);
//   * non-finite values are ignored (MNN would index the histogram out of bounds);
//   * MNN's attempt to force THRESHOLD_MAX on graph inputs is not reproduced: it never takes
//     effect in MNN (mnn-quantizer-facts.md C.3 / E).
// The host shares scales across data-movement ops afterwards (MNNQ_CALIBRATOR_SHARE_SCALES, C.5).
#include "common/quant_math.hpp"
#include "kl_histogram.hpp"
#include "kl_threshold.hpp"

#include <mnnq/plugin.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mnnq {
namespace methods {
namespace {

// MNN forces the max threshold for tensors with fewer than 100 spatial positions, read with
// its Tensor::height()/width(): extents 1, 2 for channels-last (TENSORFLOW) tensors, 2, 3
// otherwise; an extent the tensor does not have reads as 0. So a 3-D NHWC tensor [1, 768, 2]
// is searched (768 * 2), while a 3-D NCHW one, or any 2-D tensor, takes the max.
bool useMaxThreshold(const mnnq_tensor_desc& t) {
  const bool nhwc = t.layout == MNNQ_LAYOUT_NHWC;
  const int hi = nhwc ? 1 : 2, wi = nhwc ? 2 : 3;
  const int64_t h = t.ndim > hi ? t.dims[hi] : 0;
  const int64_t w = t.ndim > wi ? t.dims[wi] : 0;
  return h * w < 100;
}

class KlCalibrator final : public sdk::FeatureCalibrator {
 public:
  explicit KlCalibrator(const sdk::Config& config) : clamp_(featureClampValue(config)) {}

  uint32_t prepare(const std::vector<sdk::TensorDesc>& tensors, uint32_t num_shards) override {
    checkTensorIndexes(tensors);
    if (num_shards == 0) throw sdk::Error("prepare: 0 shards", MNNQ_INVALID_STATE);
    tensors_ = tensors;
    ranges_.reset(tensors.size(), num_shards);
    histograms_.assign(tensors.size(), std::vector<uint64_t>());
    counters_.clear();
    counters_.resize(num_shards);
    locks_.clear();
    for (std::size_t i = 0; i < tensors.size(); ++i) locks_.emplace_back();
    return 2;
  }

  void observe(uint32_t pass, uint32_t shard, uint64_t, uint32_t, uint32_t tensor,
               const float* data, uint64_t count) override {
    checkTensorArgument(tensor, tensors_.size(), "observe");
    if (pass == 0) {
      ranges_.update(shard, tensor, data, count);
    } else if (pass == 1) {
      accumulateHistogram(shard, tensor, data, count);
    } else {
      throw sdk::Error("observe: KL has 2 passes, got pass " + std::to_string(pass),
                       MNNQ_INVALID_STATE);
    }
  }

  void endPass(uint32_t pass) override {
    if (pass != 0) return;
    const auto merged = ranges_.merge();
    limits_.assign(tensors_.size(), Limit{});
    for (std::size_t t = 0; t < tensors_.size(); ++t) {
      Limit& l = limits_[t];
      l.seen = merged[t].seen;
      const float m = std::max(std::fabs(merged[t].max), std::fabs(merged[t].min));
      l.abs_max = m;
      l.valid = l.seen && m > 0.00001f;
      l.interval = l.valid ? float(kKlBins) / m : 0.0f;
      // Tensors that take the max threshold need M only: no histogram for them.
      l.counted = l.valid && !useMaxThreshold(tensors_[t]);
      if (l.counted) histograms_[t].assign(kKlBins, 0);
    }
  }

  void compute(std::vector<sdk::FeatureParams>& out) override {
    if (limits_.size() != tensors_.size())
      throw sdk::Error("compute() called before the range pass ended", MNNQ_INVALID_STATE);
    // One search per distinct histogram: tensors that only move data (Reshape, Transpose, ...)
    // have the same counts as their source, and the search depends only on the counts.
    std::vector<std::size_t> search_of(tensors_.size(), kNoSearch);
    std::vector<std::size_t> searches;  // tensor whose histogram each search reads
    for (std::size_t t = 0; t < tensors_.size(); ++t) {
      if (!limits_[t].counted) continue;
      for (std::size_t s = 0; s < searches.size() && search_of[t] == kNoSearch; ++s)
        if (histograms_[searches[s]] == histograms_[t]) search_of[t] = s;
      if (search_of[t] == kNoSearch) {
        search_of[t] = searches.size();
        searches.push_back(t);
      }
    }
    // Searches are independent: run them on several threads, each taking the next one (they
    // cost the same, but the threads may not get the same share of the machine). Each result
    // depends only on its histogram, so the output does not depend on the thread count.
    std::vector<int> thresholds(searches.size(), kKlBins - 1);
    const unsigned hw = std::max(1u, std::thread::hardware_concurrency());
    const std::size_t workers = std::min<std::size_t>(hw, std::max<std::size_t>(1, searches.size()));
    std::atomic<std::size_t> next{0};
    std::vector<std::thread> pool;
    std::vector<std::exception_ptr> errors(workers);
    for (std::size_t w = 0; w < workers; ++w)
      pool.emplace_back([&, w] {
        try {
          KlWorkspace ws;
          std::vector<float> hist(kKlBins);
          for (std::size_t s = next++; s < searches.size(); s = next++) {
            normalisedHistogram(searches[s], hist);
            thresholds[s] = klThresholdBin(hist.data(), ws);
          }
        } catch (...) {
          errors[w] = std::current_exception();
        }
      });
    for (auto& th : pool) th.join();
    for (auto& e : errors)
      if (e) std::rethrow_exception(e);
    for (std::size_t t = 0; t < tensors_.size(); ++t)
      out[t] = params(t, search_of[t] == kNoSearch ? kKlBins - 1 : thresholds[search_of[t]]);
  }

 private:
  struct Limit {
    bool seen = false;
    bool valid = false;
    bool counted = false;  // valid and searched: histogrammed in pass 1
    float abs_max = 0.0f;
    float interval = 0.0f;  // 2048 / M, in float as MNN
  };

  void accumulateHistogram(uint32_t shard, uint32_t tensor, const float* data, uint64_t count) {
    if (limits_.size() != tensors_.size())
      throw sdk::Error("histogram pass before the range pass ended", MNNQ_INVALID_STATE);
    const Limit& l = limits_[tensor];
    if (!l.counted) return;
    // Count with the shard's counter (a shard is used by one thread at a time), then add to
    // the tensor's histogram under its lock (integer adds commute).
    if (shard >= counters_.size())
      throw sdk::Error("observe: shard " + std::to_string(shard) + " out of range (" +
                           std::to_string(counters_.size()) + " prepared)",
                       MNNQ_INVALID_STATE);
    KlBinCounter& counter = counters_[shard];
    for (uint64_t done = 0; done < count;) {
      const uint64_t chunk = std::min<uint64_t>(count - done, KlBinCounter::kMaxPending);
      counter.add(data + done, chunk, l.interval);
      std::lock_guard<std::mutex> lock(locks_[tensor]);
      counter.flushInto(histograms_[tensor].data());
      done += chunk;
    }
  }

  // The histogram as MNN's float bins hold it, normalised to sum 1 (float sum, then each
  // value /= sum, as MNN).
  void normalisedHistogram(std::size_t t, std::vector<float>& hist) const {
    const auto& counts = histograms_[t];
    float sum = 0.0f;
    for (int b = 0; b < kKlBins; ++b) {
      hist[b] = mnnBinValue(counts[b]);
      sum += hist[b];
    }
    for (int b = 0; b < kKlBins; ++b) hist[b] /= sum;
  }

  // Parameters of tensor t for threshold bin `threshold` (used only for valid tensors).
  sdk::FeatureParams params(std::size_t t, int threshold) const {
    sdk::FeatureParams p{};
    const Limit& l = limits_[t];
    if (!l.valid) return p;  // unseen or all |x| <= 1e-5: MNN writes scale 0; we leave it float
    // MNN: ((float)t + 0.5) / interval / Cf, evaluated in double, stored as float.
    p.valid = 1;
    p.scale = float((double(float(threshold)) + 0.5) / double(l.interval) / double(float(clamp_)));
    p.zero = 0.0f;
    p.min = -float(clamp_);
    p.max = float(clamp_);
    return p;
  }

  static constexpr std::size_t kNoSearch = ~std::size_t(0);

  int clamp_;
  std::vector<sdk::TensorDesc> tensors_;
  ShardedRange ranges_;
  std::vector<Limit> limits_;
  std::vector<std::vector<uint64_t>> histograms_;
  std::deque<std::mutex> locks_;
  std::vector<KlBinCounter> counters_;  // per shard
};

const mnnq_config_key kKeys[] = {
    {"feature_clamp_value", MNNQ_VALUE_INT, "127",
     "integer limit Cf of quantised features: scale = threshold / Cf, values in [-Cf, Cf]", 1,
     127}};

}  // namespace
}  // namespace methods
}  // namespace mnnq

MNNQ_EXPORT_FEATURE_CALIBRATOR(mnnq::methods::KlCalibrator, "KL", "1.0.0",
                               "symmetric per-tensor feature scales from a KL-divergence "
                               "threshold search (MNN's default)",
                               mnnq::methods::kKeys, MNNQ_CALIBRATOR_SHARE_SCALES)
