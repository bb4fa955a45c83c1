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
// MNNQ_CALIBRATOR_REPRODUCES_MNN: the default run gives quantized.out's scales, so the host
// leaves cross-layer equalisation off unless the config asks for it.
#include "common/quant_math.hpp"
#include "kl_histogram.hpp"
#include "kl_threshold.hpp"

#include <mnnq/plugin.hpp>

#include <algorithm>
#include <cmath>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
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
  KlCalibrator(const sdk::Config& config, const sdk::Host& host)
      : host_(host), clamp_(featureClampValue(config)) {}

  uint32_t prepare(const std::vector<sdk::TensorDesc>& tensors, uint32_t num_shards) override {
    tensors_ = tensors;
    ranges_.reset(tensors.size(), num_shards);
    histograms_.assign(tensors.size(), std::vector<uint64_t>());
    counters_.clear();
    counters_.resize(num_shards);
    locks_.clear();
    for (std::size_t i = 0; i < tensors.size(); ++i) locks_.emplace_back();
    return 2;
  }

  void observe(const sdk::TensorBatch& b) override {
    if (b.pass == 0)
      ranges_.update(b.shard, b.tensor, b.data, b.count);
    else
      accumulateHistogram(b.shard, b.tensor, b.data, b.count);
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
    // Searches are independent: the host's parallel loop spreads them over the thread budget,
    // each worker taking the next one with its own workspace. Each result depends only on its
    // histogram, so the output does not depend on the thread count.
    std::vector<int> thresholds(searches.size(), kKlBins - 1);
    // Workers number at most min(threads, searches) (mnnq_parallel_body).
    const std::size_t workers = std::max<std::size_t>(
        1, std::min<std::size_t>(host_.threads(), searches.size()));
    std::vector<KlWorkspace> workspaces(workers);
    std::vector<std::vector<float>> hists(workers, std::vector<float>(kKlBins));
    host_.parallelFor(searches.size(), [&](uint64_t s, uint32_t worker) {
      normalisedHistogram(searches[s], hists[worker]);
      thresholds[s] = klThresholdBin(hists[worker].data(), workspaces[worker]);
    });
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
    const Limit& l = limits_[tensor];
    if (!l.counted) return;
    // Count with the shard's counter (a shard is used by one thread at a time), then add to
    // the tensor's histogram under its lock (integer adds commute).
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

  sdk::Host host_;
  int clamp_;
  std::vector<sdk::TensorDesc> tensors_;
  ShardedRange ranges_;
  std::vector<Limit> limits_;
  std::vector<std::vector<uint64_t>> histograms_;
  std::deque<std::mutex> locks_;
  std::vector<KlBinCounter> counters_;  // per shard
};

const char* const kHostKeys[] = {"feature_clamp_value"};

}  // namespace
}  // namespace methods
}  // namespace mnnq

MNNQ_EXPORT_FEATURE_CALIBRATOR(mnnq::methods::KlCalibrator, "KL", "1.0.0",
                               "symmetric per-tensor feature scales from a KL-divergence "
                               "threshold search (MNN's default)",
                               mnnq::sdk::PluginKeys::hostOnly(mnnq::methods::kHostKeys),
                               MNNQ_CALIBRATOR_SHARE_SCALES | MNNQ_CALIBRATOR_REPRODUCES_MNN)
