// PERCENTILE, MSE and MINMAX feature calibrators: thresholds worked out by hand, the MSE error
// integral against a brute-force average, and results independent of shards and threads.
#include "common/abs_histogram.hpp"  // plugins/common: expectedSquaredError, mseThresholdBins
#include "method_plugins.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <string>
#include <vector>

using namespace mnnq::test;
using mnnq::methods::expectedSquaredError;
using mnnq::methods::mseThresholdBins;
using mnnq::methods::percentileThresholdBins;

namespace {

using Samples = std::vector<std::vector<std::vector<float>>>;

mnnq_feature_params runOne(const std::string& target, const std::string& config,
                           const Samples& samples, uint32_t shards = 2, unsigned threads = 1) {
  Calibrator c(target, config);
  return calibrate(c, {tensorDesc(0, {1, 1, 1, int32_t(samples[0][0].size())})}, samples, shards,
                   threads)
      .at(0);
}

// Brute-force mean squared error of one unit bin [b, b+1] for threshold t and limit clamp:
// midpoint rule with n points, x -> s * clamp(round(x / s), -clamp, clamp).
double bruteBinError(int b, double t, int clamp, int n = 200000) {
  const double s = t / clamp;
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    const double x = b + (i + 0.5) / n;
    const double q = s * std::min<double>(clamp, std::round(x / s));
    sum += (x - q) * (x - q);
  }
  return sum / n;
}

}  // namespace

TEST_CASE("MSE: expected error of a 4-bin histogram, worked out by hand", "[methods][mse]") {
  // Limit 1: the grid is {0, T}. Counts only in bins [2,3] and [3,4].
  // T=1: both clipped: (2.5-1)^2 + 1/12 + (3.5-1)^2 + 1/12 = 26/3
  // T=2: [2,3] clipped to 2: 1/3; [3,4] clipped: (1.5)^2 + 1/12 = 7/3        -> 8/3
  // T=3: [2,3] rounds to 3 (all x >= 1.5): 1/3; [3,4] clipped to 3: 1/3        -> 2/3
  // T=4: [2,3] rounds to 4 (x >= 2): (1.5)^2 + 1/12; [3,4] rounds to 4: 1/3   -> 8/3
  const std::vector<uint64_t> counts = {0, 0, 1, 1};
  CHECK(expectedSquaredError(counts, 1, 1) == Approx(26.0 / 3));
  CHECK(expectedSquaredError(counts, 2, 1) == Approx(8.0 / 3));
  CHECK(expectedSquaredError(counts, 3, 1) == Approx(2.0 / 3));
  CHECK(expectedSquaredError(counts, 4, 1) == Approx(8.0 / 3));
  CHECK(mseThresholdBins(counts, 1) == 3);

  // Limit 2, all mass in [0,1]: T=1 (step 1/2) gives s^2/12 = 1/48, T=2 (step 1) 1/12.
  const std::vector<uint64_t> low = {5, 0, 0, 0};
  CHECK(expectedSquaredError(low, 1, 2) == Approx(5.0 / 48));
  CHECK(expectedSquaredError(low, 2, 2) == Approx(5.0 / 12));
  CHECK(mseThresholdBins(low, 2) == 1);
}

TEST_CASE("MSE: closed-form bin error agrees with a brute-force average", "[methods][mse]") {
  for (int clamp : {1, 3, 127})
    for (double t : {0.7, 1.0, 2.5, 5.0, 9.3})
      for (int b : {0, 1, 2, 4, 8}) {
        std::vector<uint64_t> one(10, 0);
        one[b] = 1;
        INFO("clamp " << clamp << " T " << t << " bin " << b);
        CHECK(expectedSquaredError(one, t, clamp) ==
              Approx(bruteBinError(b, t, clamp)).epsilon(1e-6).margin(1e-12));
      }
}

TEST_CASE("MSE: search result is the minimum over every bin edge", "[methods][mse]") {
  std::mt19937 rng(7);
  std::vector<uint64_t> counts(512, 0);
  std::normal_distribution<double> normal(0.0, 40.0);
  for (int i = 0; i < 20000; ++i) {
    const double v = std::fabs(normal(rng));
    if (v < 512) ++counts[size_t(v)];
  }
  counts[511] += 3;  // a few outliers at the top
  for (int clamp : {127, 15}) {
    const uint32_t k = mseThresholdBins(counts, clamp);
    const double best = expectedSquaredError(counts, k, clamp);
    for (uint32_t j = 1; j <= counts.size(); ++j)
      CHECK(expectedSquaredError(counts, j, clamp) >= best * (1 - 1e-9));
    CHECK(k < 511);  // clipping the outliers pays
  }
}

TEST_CASE("MSE plugin: threshold from the merged histogram, any shards or threads",
          "[methods][mse]") {
  const mnnq_plugin_info& info = methodPlugin("feature_mse");
  CHECK(std::string(info.name) == "MSE");
  CHECK((info.flags & MNNQ_CALIBRATOR_SHARE_SCALES) != 0);
  // 3 samples, |x| spread over [0, 4]; M = 4, 128 bins of width 1/32.
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  Samples samples(7, std::vector<std::vector<float>>(1));
  for (auto& s : samples)
    for (int i = 0; i < 300; ++i) s[0].push_back(u(rng) * (i % 50 == 0 ? 3.0f : 1.0f));
  samples[2][0][5] = -4.0f;
  // Reference histogram written here: bin = min(floor(|x| * 128 / 4), 127).
  std::vector<uint64_t> counts(128, 0);
  for (auto& s : samples)
    for (float x : s[0]) ++counts[std::min<size_t>(127, size_t(std::fabs(double(x)) * 32.0))];
  const uint32_t k = mseThresholdBins(counts, 127);
  const auto p = runOne("feature_mse", R"({"mse_bins": 128})", samples);
  REQUIRE(p.valid == 1);
  CHECK(p.scale == float(k * 4.0 / 128 / 127));
  CHECK(p.zero == 0.0f);
  CHECK(p.min == -127.0f);
  CHECK(p.max == 127.0f);
  CHECK(k < 128);  // the few large values are clipped
  for (uint32_t shards : {1u, 3u, 7u})
    for (unsigned threads : {1u, 3u}) {
      const auto q = runOne("feature_mse", R"({"mse_bins": 128})", samples, shards, threads);
      CHECK(q.scale == p.scale);
    }
}

TEST_CASE("PERCENTILE plugin: the bin where the cumulative count reaches p", "[methods][percentile]") {
  const mnnq_plugin_info& info = methodPlugin("feature_percentile");
  CHECK(std::string(info.name) == "PERCENTILE");
  // |x| = 1..100 over two samples (signs alternate); M = 100, 256 bins of width 100/256.
  Samples samples(2, std::vector<std::vector<float>>(1));
  for (int v = 1; v <= 100; ++v) samples[v % 2][0].push_back(v % 3 ? float(v) : -float(v));
  samples[1][0].push_back(0.0f);  // equal sample sizes are not required; 101 values in all
  // p = 99: target ceil(101 * 0.99) = 100 values: |x| = 0..99; 99 lies in bin
  // floor(99 * 2.56) = 253, so T = 254 * 100 / 256.
  auto p = runOne("feature_percentile", R"({"percentile": 99, "percentile_bins": 256})", samples);
  REQUIRE(p.valid == 1);
  CHECK(p.scale == float(254 * 100.0 / 256 / 127));
  // p = 100: T = M.
  p = runOne("feature_percentile", R"({"percentile": 100, "percentile_bins": 256})", samples);
  CHECK(p.scale == float(100.0 / 127));
  // p = 60 with limit 100: target ceil(60.6) = 61 values: |x| = 0..60; 60 in bin
  // floor(153.6) = 153 -> T = 154 * 100 / 256.
  p = runOne("feature_percentile",
             R"({"percentile": 60, "percentile_bins": 256, "feature_clamp_value": 100})", samples,
             3, 2);
  CHECK(p.scale == float(154 * 100.0 / 256 / 100));
  CHECK(percentileThresholdBins({0, 0, 0, 0}, 99) == 4);  // nothing counted: the whole range
}

TEST_CASE("MINMAX plugin: max |x| over every sample; constant zero stays float",
          "[methods][minmax]") {
  const mnnq_plugin_info& info = methodPlugin("feature_minmax");
  CHECK(std::string(info.name) == "MINMAX");
  Samples samples = {{{-3.0f, 2.0f, 0.5f}, {0.0f, 0.0f}}, {{1.5f, -0.25f, 2.75f}, {0.0f, 0.0f}}};
  Calibrator c("feature_minmax", R"({"feature_clamp_value": 100})");
  const auto params =
      calibrate(c, {tensorDesc(0, {1, 3}), tensorDesc(1, {1, 2})}, samples, 2, 2);
  REQUIRE(params.at(0).valid == 1);
  CHECK(params[0].scale == float(3.0 / 100));
  CHECK(params[0].zero == 0.0f);
  CHECK(params[0].max == 100.0f);
  CHECK(params.at(1).valid == 0);
}
