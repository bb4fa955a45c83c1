#include "channel_stats.hpp"

#include "parallel_samples.hpp"

#include <algorithm>
#include <cmath>

namespace mnnq {
namespace {

class ChannelStatsHook : public TensorHook {
 public:
  ChannelStatsHook(const Executor& executor, const std::set<int>& tensors, ChannelStatsMap& out)
      : executor_(executor), tensors_(tensors), out_(out) {}

  void onTensor(int tensor, Tensor& value) override {
    if (!tensors_.count(tensor) || value.dtype != DType::Float32 || value.shape.size() < 2) return;
    const bool nhwc = executor_.layout(tensor) == Layout::NHWC;
    const int channels = nhwc ? value.shape.back() : value.shape[1];
    if (channels <= 0) return;
    // Batch 1: NCHW is [C][positions], NHWC is [positions][C].
    const size_t count = value.f.size();
    const size_t positions = count / static_cast<size_t>(channels);
    if (positions == 0 || positions * channels != count) return;
    ChannelStats stats;
    stats.mean.assign(channels, 0.0);
    stats.max_abs.assign(channels, 0.0f);
    const auto take = [&](int c, float v) {
      stats.mean[c] += v;
      stats.max_abs[c] = std::max(stats.max_abs[c], std::fabs(v));
    };
    if (nhwc) {
      for (size_t p = 0; p < positions; ++p)
        for (int c = 0; c < channels; ++c) take(c, value.f[p * channels + c]);
    } else {
      for (int c = 0; c < channels; ++c) {
        const float* plane = value.f.data() + static_cast<size_t>(c) * positions;
        for (size_t p = 0; p < positions; ++p) take(c, plane[p]);
      }
    }
    for (double& s : stats.mean) s /= static_cast<double>(positions);
    out_[tensor] = std::move(stats);
  }

 private:
  const Executor& executor_;
  const std::set<int>& tensors_;
  ChannelStatsMap& out_;
};

}  // namespace

ChannelStatsMap measureChannelStats(const Executor& executor, const std::set<int>& tensors,
                                    SampleFeed& feed, const std::vector<uint64_t>& samples,
                                    const RunContext& context, const std::string& phase) {
  std::vector<ChannelStatsMap> per_sample(samples.size());
  Progress progress(phase, samples.size(), context.quiet, context.progress);
  forEachSampleInParallel<std::map<int, Tensor>>(
      samples.size(), context.threads, progress, [&](size_t k, std::map<int, Tensor>& inputs) {
        if (!feed.load(samples[k], inputs)) return;
        ChannelStatsHook hook(executor, tensors, per_sample[k]);
        executor.run(inputs, &hook);
      });

  ChannelStatsMap total;
  std::map<int, int> seen;
  for (const ChannelStatsMap& sample : per_sample) {
    for (const auto& [tensor, stats] : sample) {
      ChannelStats& sum = total[tensor];
      if (sum.mean.empty()) {
        sum.mean.assign(stats.mean.size(), 0.0);
        sum.max_abs.assign(stats.max_abs.size(), 0.0f);
      }
      if (sum.mean.size() != stats.mean.size()) continue;
      for (size_t c = 0; c < stats.mean.size(); ++c) {
        sum.mean[c] += stats.mean[c];
        sum.max_abs[c] = std::max(sum.max_abs[c], stats.max_abs[c]);
      }
      ++seen[tensor];
    }
  }
  for (auto& [tensor, sum] : total)
    for (double& v : sum.mean) v /= seen[tensor];
  return total;
}

std::vector<uint64_t> spreadSamples(uint64_t count, size_t limit) {
  std::vector<uint64_t> samples;
  const uint64_t n = std::min<uint64_t>(limit, count);
  for (uint64_t k = 0; k < n; ++k) samples.push_back(k * count / n);
  return samples;
}

}  // namespace mnnq
