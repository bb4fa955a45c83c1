// ADMM feature calibrator through its plugin vtable: hand-derived fixed points, and the
// streaming (histogram) iteration against an exact in-memory iteration on the raw values.
#include "admm_histogram.hpp"  // plugins/feature_admm
#include "method_plugins.hpp"

#include "mnnq/core/config_key.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <random>
#include <vector>

using namespace mnnq::test;

namespace {

using Samples = std::vector<std::vector<std::vector<float>>>;

// MNN's iteration (C.4) on all values in memory, sums in double (exact reference).
double exactAdmm(const Samples& samples, int tensor, int clamp) {
  std::vector<float> values;
  for (auto& s : samples) values.insert(values.end(), s[tensor].begin(), s[tensor].end());
  float m = 0;
  for (float x : values) m = std::max(m, std::fabs(x));
  float alpha = float(double(m) / (clamp * 2.5));
  for (int it = 0; it < 300; ++it) {
    const float inv = 1.0f / alpha;
    double s1 = 0, s2 = 0;
    for (float x : values) {
      const double q = std::fmin(clamp, std::fmax(-clamp, std::round(x * inv)));
      s1 += q * x;
      s2 += q * q;
    }
    const float next = float(s1 / s2);
    if (next == alpha) break;  // fixed point
    alpha = next;
  }
  return alpha;
}

std::vector<mnnq_feature_params> runAdmm(const Samples& samples, size_t tensors, uint32_t shards,
                                         unsigned threads, const std::string& config = "{}") {
  Calibrator admm("feature_admm", config);
  std::vector<mnnq_tensor_desc> descs;
  for (size_t t = 0; t < tensors; ++t) descs.push_back(tensorDesc(uint32_t(t), {1, 1, 1, 1}));
  return calibrate(admm, descs, samples, shards, threads);
}

}  // namespace

TEST_CASE("ADMM features: equal magnitudes converge to M/127", "[methods][admm]") {
  // alpha0 = 1/317.5: every |x| = 1 rounds to 318, clamps to 127; alpha = 127 n/(127^2 n).
  Samples s(3, {std::vector<float>{1, -1, 1, 1, -1, 0}});
  auto p = runAdmm(s, 1, 2, 1);
  REQUIRE(p[0].valid == 1);
  CHECK(p[0].scale == Approx(1.0 / 127).epsilon(1e-6));
  CHECK(p[0].zero == 0.0f);
  CHECK(p[0].min == -127.0f);
  CHECK(p[0].max == 127.0f);
}

TEST_CASE("ADMM features: two-level data reaches the hand-derived fixed point",
          "[methods][admm]") {
  // Equal numbers of |x| = 1 and |x| = 0.5. alpha0 = 1/317.5: both clamp to 127, alpha =
  // 1.5/254; then 0.5 maps to 85, 69, 65, 64 while 1 stays clamped at 127:
  // alpha = (127 + 0.5 q)/(127^2 + q^2) -> q = 64 is a fixed point: alpha = 159/20225.
  Samples s(4, {std::vector<float>{1, -0.5f, -1, 0.5f, 1, 0.5f}});
  auto p = runAdmm(s, 1, 3, 2);
  REQUIRE(p[0].valid == 1);
  CHECK(p[0].scale == Approx(159.0 / 20225).epsilon(1e-6));
}

namespace {
// MNN's iteration (C.4) is defined above; syntheticKinds gives
// samples of four tensor kinds seen in CNNs: signed normal, post-ReLU (half zeros),
// Laplace, uniform; and two heavy-tailed ones: log-normal, and a narrow peak with rare far
// values.
Samples syntheticKinds(int per_sample) {
  std::mt19937 rng(3);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::exponential_distribution<float> expo(1.0f);
  std::uniform_real_distribution<float> uniform(-2.0f, 2.0f);
  std::lognormal_distribution<float> lognormal(0.0f, 1.2f);
  Samples s(8, std::vector<std::vector<float>>(6));
  for (auto& sample : s)
    for (int i = 0; i < per_sample; ++i) {
      sample[0].push_back(normal(rng));
      sample[1].push_back(std::max(0.0f, normal(rng)));
      sample[2].push_back((i % 2 ? 1 : -1) * expo(rng));
      sample[3].push_back(uniform(rng));
      sample[4].push_back(lognormal(rng));
      sample[5].push_back(i % 3000 == 0 ? 40.0f * normal(rng) : 0.01f * normal(rng));
    }
  return s;
}
}  // namespace

TEST_CASE("ADMM features: small tensors are iterated on their values, as the exact iteration",
          "[methods][admm]") {
  // 8 x 500 values per tensor: kept raw (heavy tails included), so the result is the exact
  // iteration's, early chance stops and all.
  const Samples s = syntheticKinds(500);
  auto p = runAdmm(s, 6, 3, 2);
  for (int t = 0; t < 6; ++t) {
    const double exact = exactAdmm(s, t, 127);
    INFO("kind " << t << ": plugin " << p[t].scale << ", exact " << exact);
    CHECK(std::fabs(p[t].scale - exact) <= 1e-6 * exact);
  }
}

TEST_CASE("ADMM features: the binned iteration ends within 0.1 % of the exact iteration",
          "[methods][admm]") {
  // The histogram (used above 2^18 values per tensor) run directly on 48000 values per kind.
  const Samples s = syntheticKinds(6000);
  for (int t = 0; t < 4; ++t) {
    std::vector<float> values;
    for (auto& sample : s) values.insert(values.end(), sample[t].begin(), sample[t].end());
    float m = 0;
    for (float x : values) m = std::max(m, std::fabs(x));
    mnnq::methods::AdmmHistogram hist(m);
    hist.add(values.data(), values.size());
    for (int clamp : {127, 64}) {
      const double exact = exactAdmm(s, t, clamp);
      const double binned = hist.solve(clamp);
      INFO("kind " << t << " clamp " << clamp << ": binned " << binned << ", exact " << exact);
      CHECK(std::fabs(binned - exact) <= 1e-3 * exact);
    }
  }
}

TEST_CASE("ADMM features: each binned step matches the exact step, heavy tails included",
          "[methods][admm]") {
  // Along the exact trajectory, one histogram step from alpha_n must give alpha_{n+1}. (The
  // final results of heavy-tailed kinds are not compared on 10^5 values: there the exact
  // iteration can stop early by chance, see admm_histogram.hpp.)
  const Samples s = syntheticKinds(12500);
  for (int t = 0; t < 6; ++t) {
    std::vector<float> values;
    for (auto& sample : s) values.insert(values.end(), sample[t].begin(), sample[t].end());
    float m = 0;
    for (float x : values) m = std::max(m, std::fabs(x));
    mnnq::methods::AdmmHistogram hist(m);
    hist.add(values.data(), values.size());
    float alpha = float(double(m) / (127 * 2.5));
    double worst = 0;
    for (int it = 0; it < 60; ++it) {
      const float inv = 1.0f / alpha;
      double s1 = 0, s2 = 0;
      for (float x : values) {
        const double q = std::fmin(127, std::fmax(-127, std::round(x * inv)));
        s1 += q * x;
        s2 += q * q;
      }
      const float next = float(s1 / s2);
      worst = std::max(worst, std::fabs(double(hist.solve(127, 1, alpha)) - next) / next);
      alpha = next;
    }
    INFO("kind " << t << ": worst step error " << worst);
    CHECK(worst <= 1e-3);  // sparse far values (kind 5) are few per bin: up to ~3e-4
  }
}

TEST_CASE("ADMM features: the result does not depend on shards or threads", "[methods][admm]") {
  std::mt19937 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Samples s(13, std::vector<std::vector<float>>(2));
  for (auto& sample : s) {
    for (int i = 0; i < 70000; ++i) sample[0].push_back(normal(rng));  // private-histogram path
    for (int i = 0; i < 500; ++i) sample[1].push_back(normal(rng));    // direct path
  }
  auto one = runAdmm(s, 2, 1, 1);
  auto many = runAdmm(s, 2, 5, 3);
  for (int t = 0; t < 2; ++t) CHECK(one[t].scale == many[t].scale);  // bitwise
}

TEST_CASE("ADMM features: an all-zero tensor gets no parameters", "[methods][admm]") {
  Samples s(2, {std::vector<float>(100, 0.0f)});
  CHECK(runAdmm(s, 1, 1, 1)[0].valid == 0);
}

// admm_scope "sample": MNN's iteration per sample, alphas averaged in sample order.
TEST_CASE("ADMM features, sample scope: the mean of hand-derived per-sample scales",
          "[methods][admm]") {
  // Sample 0: every |x| = 1 -> 1/127 (first test above); sample 1: every |x| = 2 -> 2/127;
  // sample 2 all zero: says nothing about the scale and is left out of the mean.
  Samples s = {{std::vector<float>{1, -1, 1, 0}},
               {std::vector<float>{2, 2, -2, 0}},
               {std::vector<float>{0, 0, 0, 0}}};
  auto p = runAdmm(s, 1, 2, 2, R"({"admm_scope": "sample"})");
  REQUIRE(p[0].valid == 1);
  CHECK(p[0].scale == Approx(1.5 / 127).epsilon(1e-6));
  // The data-set scope mixes both magnitudes into one minimum instead: three 1s and three 2s
  // are the two-level case above scaled by 2 (1 settles on q = 64, 2 stays clamped at 127):
  // alpha = (64 + 2*127)/(64^2 + 127^2).
  auto d = runAdmm(s, 1, 2, 2);
  CHECK(d[0].scale == Approx(318.0 / (64 * 64 + 127 * 127)).epsilon(1e-6));
}

TEST_CASE("ADMM features, sample scope: large samples match the exact per-sample iteration",
          "[methods][admm]") {
  // 6000 values per sample per tensor go through a 4096-bin histogram each; the exact
  // reference iterates each sample alone (exactAdmm on a one-sample set) and averages.
  const Samples s = syntheticKinds(6000);
  auto p = runAdmm(s, 6, 3, 2, R"({"admm_scope": "sample"})");
  for (int t = 0; t < 6; ++t) {
    double sum = 0;
    for (const auto& sample : s) sum += exactAdmm(Samples{sample}, t, 127);
    const double exact = sum / double(s.size());
    INFO("kind " << t << ": plugin " << p[t].scale << ", exact mean " << exact);
    CHECK(std::fabs(p[t].scale - exact) <= 2e-3 * exact);
  }
}

TEST_CASE("ADMM features, sample scope: the result does not depend on shards or threads",
          "[methods][admm]") {
  const Samples s = syntheticKinds(5000);
  auto one = runAdmm(s, 6, 1, 1, R"({"admm_scope": "sample"})");
  auto many = runAdmm(s, 6, 4, 3, R"({"admm_scope": "sample"})");
  for (int t = 0; t < 6; ++t) CHECK(one[t].scale == many[t].scale);  // bitwise
}

TEST_CASE("ADMM features: admm_scope declares its choices, so the host refuses others by name",
          "[methods][admm]") {
  const mnnq_plugin_info& info = methodPlugin("feature_admm");
  REQUIRE(info.num_keys == 1);
  const mnnq::ConfigKeySpec spec = mnnq::toConfigKeySpec(info.keys[0], "ADMM");
  CHECK(spec.name == "admm_scope");
  CHECK(spec.choices == std::vector<std::string>{"dataset", "sample"});
  CHECK(mnnq::checkValue(spec, "both") == "expected one of dataset, sample, given \"both\"");
  REQUIRE(info.num_host_keys == 1);
  CHECK(std::string(info.host_keys[0]) == "feature_clamp_value");
}
