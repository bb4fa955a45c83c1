// Per-channel statistics of chosen tensors over a few float forwards: the measurements behind
// bias correction (channel means of convolution inputs) and cross-layer equalisation (channel
// ranges of depthwise inputs).
#pragma once

#include "run_context.hpp"
#include "sample_feed.hpp"

#include "mnnq/core/executor.hpp"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace mnnq {

struct ChannelStats {
  std::vector<double> mean;    // per channel, over positions, then averaged over samples
  std::vector<float> max_abs;  // per channel, over positions and samples
};

// Graph tensor id -> its statistics.
using ChannelStatsMap = std::map<int, ChannelStats>;

// Float forwards over `samples`, shown as `phase` in progress lines; samples the feed rejects are left out. The result does not
// depend on the thread count (per-sample results are merged in sample order).
ChannelStatsMap measureChannelStats(const Executor& executor, const std::set<int>& tensors,
                                    SampleFeed& feed, const std::vector<uint64_t>& samples,
                                    const RunContext& context, const std::string& phase);

// Up to `limit` sample indexes spread evenly over [0, count), in increasing order.
std::vector<uint64_t> spreadSamples(uint64_t count, size_t limit);

}  // namespace mnnq
