// KL feature calibrator through its plugin vtable, on synthetic tensors whose optimum threshold
// can be argued by hand (C.3 of mnn-quantizer-facts.md), plus a check of the fp32 search
// against an independent double-precision implementation of the same formulas.
#include "kl_threshold.hpp"  // plugins/feature_kl: mnnBinValue, klThresholdBin
#include "method_plugins.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <vector>

using namespace mnnq::test;

namespace {

using Samples = std::vector<std::vector<std::vector<float>>>;

// 256 elements per sample, |x| at the centres of histogram bins 0..127 for M = 1 (two elements
// per bin, alternating signs); sample 0 also holds the single largest value 1.0 (so M = 1).
// All data but one element lies below bin 128.
Samples concentratedSamples(int count) {
  Samples s(count, std::vector<std::vector<float>>(1));
  for (int i = 0; i < count; ++i) {
    auto& v = s[i][0];
    for (int j = 0; j < 256; ++j) {
      const float centre = (float(j % 128) + 0.5f) / 2048.0f;
      v.push_back(j % 2 ? -centre : centre);
    }
  }
  s[0][0][255] = 1.0f;
  return s;
}

// |x| uniform over all 2048 bins (one element per bin centre per sample) plus 1.0.
Samples uniformSamples(int count) {
  Samples s(count, std::vector<std::vector<float>>(1));
  for (int i = 0; i < count; ++i)
    for (int k = 0; k < 2048; ++k) s[i][0].push_back((float(k) + 0.5f) / 2048.0f);
  s[0][0][2047] = 1.0f;
  return s;
}

mnnq_feature_params runKl(const Samples& samples, const std::vector<int32_t>& dims,
                          mnnq_layout layout = MNNQ_LAYOUT_NCHW,
                          const std::string& config = "{}") {
  Calibrator kl("feature_kl", config);
  auto params = calibrate(kl, {tensorDesc(0, dims, 0, layout)}, samples, 2, 1);
  return params.at(0);
}

// scale for threshold bin t with M = 1: (t + 0.5) / 2048 / Cf.
double klScale(int t, double cf = 127) { return (t + 0.5) / 2048.0 / cf; }

}  // namespace

TEST_CASE("KL: reads one host key, two passes, asks the host to share scales", "[methods][kl]") {
  const mnnq_plugin_info& info = methodPlugin("feature_kl");
  CHECK(std::string(info.name) == "KL");
  CHECK((info.flags & MNNQ_CALIBRATOR_SHARE_SCALES) != 0);
  CHECK((info.flags & MNNQ_CALIBRATOR_REPRODUCES_MNN) != 0);
  CHECK((info.flags & MNNQ_CALIBRATOR_TRANSFORMS) == 0);
  CHECK(info.num_keys == 0);
  REQUIRE(info.num_host_keys == 1);
  CHECK(std::string(info.host_keys[0]) == "feature_clamp_value");
  Calibrator kl("feature_kl", "{}");
  CHECK(kl.prepare({tensorDesc(0, {1, 1, 16, 16})}, 4) == 2);
}

TEST_CASE("KL: data below bin 128 with one outlier gives threshold 128", "[methods][kl]") {
  // At i = 128 the 128 target bins are the source bins, so E = hist and only the last bin,
  // holding the folded tail (one element), diverges; every larger i spreads data mass over the
  // empty bins 128..i-1 and diverges more.
  auto p = runKl(concentratedSamples(4), {1, 1, 16, 16});
  REQUIRE(p.valid == 1);
  CHECK(p.scale == Approx(klScale(128)).epsilon(1e-6));
  CHECK(p.zero == 0.0f);
  CHECK(p.min == -127.0f);
  CHECK(p.max == 127.0f);
}

TEST_CASE("KL: uniform |x| gives the largest threshold 2047", "[methods][kl]") {
  // For a flat histogram the merged-and-expanded E equals hist, so KL(i) is driven by the
  // folded tail alone, (2048 - i) h ln(2048 - i): smallest at i = 2047.
  auto p = runKl(uniformSamples(3), {1, 2, 32, 32});
  REQUIRE(p.valid == 1);
  CHECK(p.scale == Approx(klScale(2047)).epsilon(1e-6));
}

TEST_CASE("KL: tensors with H*W < 100 (missing extents read as 0) take the max threshold",
          "[methods][kl]") {
  const auto data = concentratedSamples(4);
  CHECK(runKl(data, {1, 1, 9, 11}).scale == Approx(klScale(2047)).epsilon(1e-6));    // 99
  CHECK(runKl(data, {1, 1, 10, 10}).scale == Approx(klScale(128)).epsilon(1e-6));    // 100
  CHECK(runKl(data, {1, 256}).scale == Approx(klScale(2047)).epsilon(1e-6));         // 2-D
  CHECK(runKl(data, {1, 4, 64}).scale == Approx(klScale(2047)).epsilon(1e-6));       // 3-D
  // 3-D channels-last: H, W = dims 1, 2 exist (MNN searched such a [1,768,2] tensor).
  CHECK(runKl(data, {1, 64, 4}, MNNQ_LAYOUT_NHWC).scale == Approx(klScale(128)).epsilon(1e-6));
  CHECK(runKl(data, {1, 256}, MNNQ_LAYOUT_NHWC).scale == Approx(klScale(2047)).epsilon(1e-6));
  // NHWC: H, W are dims 1, 2 (16 x 16); read as NCHW they would be 16 x 1.
  CHECK(runKl(data, {1, 16, 16, 1}, MNNQ_LAYOUT_NHWC).scale ==
        Approx(klScale(128)).epsilon(1e-6));
  CHECK(runKl(data, {1, 16, 16, 1}, MNNQ_LAYOUT_NCHW).scale ==
        Approx(klScale(2047)).epsilon(1e-6));
}

TEST_CASE("KL: feature_clamp_value divides the threshold and sets the clamp", "[methods][kl]") {
  auto p = runKl(concentratedSamples(4), {1, 1, 16, 16}, MNNQ_LAYOUT_NCHW,
                 R"({"feature_clamp_value": 100})");
  CHECK(p.scale == Approx(klScale(128, 100)).epsilon(1e-6));
  CHECK(p.min == -100.0f);
  CHECK(p.max == 100.0f);
  // The key is the host's (KL only names it), so its range is checked once, by the host.
  const mnnq_plugin_info& info = methodPlugin("feature_kl");
  CHECK(info.num_keys == 0);
  REQUIRE(info.num_host_keys == 1);
  CHECK(std::string(info.host_keys[0]) == "feature_clamp_value");
  CHECK(info.flags == (MNNQ_CALIBRATOR_SHARE_SCALES | MNNQ_CALIBRATOR_REPRODUCES_MNN));
}

TEST_CASE("KL: the threshold searches use the host's parallel loop and its budget only",
          "[methods][kl]") {
  // Many distinct histograms, so compute() has many searches to spread over the host's loop
  // (mnnq_host::parallel_for, which runs everything on the calling thread with a budget of 1):
  // budgets 1 and 4 must give the same bits.
  Samples s;
  for (int i = 0; i < 6; ++i) {
    std::vector<std::vector<float>> tensors;
    for (int t = 0; t < 12; ++t) {
      std::vector<float> v(400);
      for (std::size_t k = 0; k < v.size(); ++k)
        v[k] = std::sin(float(k * (t + 2) + i)) * float(t + 1) + (k % (t + 3) == 0 ? 3.0f * t : 0);
      tensors.push_back(std::move(v));
    }
    s.push_back(std::move(tensors));
  }
  std::vector<mnnq_tensor_desc> descs;
  for (uint32_t t = 0; t < 12; ++t) descs.push_back(tensorDesc(t, {1, 1, 20, 20}));
  Calibrator one("feature_kl", "{}", 1);
  Calibrator four("feature_kl", "{}", 4);
  const auto a = calibrate(one, descs, s, 3, 1);
  const auto b = calibrate(four, descs, s, 3, 1);
  for (std::size_t t = 0; t < a.size(); ++t) CHECK(a[t].scale == b[t].scale);  // bitwise
}

TEST_CASE("KL: unseen and all-zero tensors get no parameters", "[methods][kl]") {
  Calibrator kl("feature_kl", "{}");
  Samples s(2, std::vector<std::vector<float>>(1, std::vector<float>(300, 0.0f)));
  auto params = calibrate(kl, {tensorDesc(0, {1, 3, 10, 10})}, s, 1, 1);
  CHECK(params[0].valid == 0);
}

TEST_CASE("KL: the result does not depend on shards or threads", "[methods][kl]") {
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Samples s(23, std::vector<std::vector<float>>(3));
  for (auto& sample : s)
    for (int t = 0; t < 3; ++t)
      for (int i = 0; i < 4000; ++i) sample[t].push_back(t == 1 ? std::max(0.0f, normal(rng)) : normal(rng) * (t + 1));
  std::vector<mnnq_tensor_desc> tensors = {tensorDesc(0, {1, 10, 20, 20}), tensorDesc(1, {1, 10, 20, 20}),
                                           tensorDesc(2, {1, 10, 20, 20})};
  Calibrator a("feature_kl", "{}"), b("feature_kl", "{}");
  auto one = calibrate(a, tensors, s, 1, 1);
  auto many = calibrate(b, tensors, s, 7, 3);
  for (int t = 0; t < 3; ++t) {
    REQUIRE(one[t].valid == 1);
    CHECK(one[t].scale == many[t].scale);  // bitwise
  }
}

TEST_CASE("KL: MNN's float bin counter saturates at 2^24", "[methods][kl]") {
  float v = 1.0e-07f;
  for (uint64_t n = 0; n <= 300; ++n) {
    CHECK(mnnq::methods::mnnBinValue(n) == v);
    v += 1.0f;
  }
  float big = 1.0e-07f;
  const uint64_t n = (uint64_t(1) << 24) + 1000;
  for (uint64_t i = 0; i < n; ++i) big += 1.0f;
  CHECK(mnnq::methods::mnnBinValue(n) == big);
  CHECK(big == 16777216.0f);
}

namespace {
// KL(i) of C.3 written directly from the doc, in double, with full per-candidate vectors
// (entries below 128 unused).
std::vector<double> referenceKlDivergences(const std::vector<double>& hist) {
  const int bins = 2048, target = 128;
  std::vector<double> result(bins, 0.0);
  for (int i = target; i < bins; ++i) {
    std::vector<double> p(hist.begin(), hist.begin() + i), q(target, 0.0), e(i + 1, 0.0);
    for (int k = i; k < bins; ++k) p[i - 1] += hist[k];
    const double d = double(i) / target;
    for (int j = 0; j < target; ++j) {
      const double start = j * d, end = start + d;
      const int lo = int(std::ceil(start)), hi = int(std::floor(end));
      if (lo > start) q[j] += (lo - start) * hist[lo - 1];
      if (hi < end) q[j] += (end - hi) * hist[hi];
      for (int k = lo; k < hi; ++k) q[j] += hist[k];
      double n = 0;
      if (lo > start && hist[lo - 1] != 0) n += lo - start;
      if (hi < end && hist[hi] != 0) n += end - hi;
      for (int k = lo; k < hi; ++k) n += hist[k] != 0;
      if (n == 0) continue;
      const double v = q[j] / n;
      if (lo > start && hist[lo - 1] != 0) e[lo - 1] += v * (lo - start);
      if (hi < end && hist[hi] != 0) e[hi] += v * (end - hi);
      for (int k = lo; k < hi; ++k)
        if (hist[k] != 0) e[k] += v;
    }
    double kl = 0;
    for (int k = 0; k < i; ++k)
      if (p[k] != 0) kl += e[k] == 0 ? 1.0 : p[k] * std::log(p[k] / e[k]);
    result[i] = kl;
  }
  return result;
}
}  // namespace

TEST_CASE("KL: the search follows the formulas; fp32 stays near the double optimum",
          "[methods][kl]") {
  // Half-normal and exponential |x| of various widths (in bins), counts as MNN holds them
  // (1e-7 seed, normalised). The search run in double must pick exactly the double reference's
  // bin. Run in fp32 (MNN's arithmetic, what the plugin uses) the running tail sum drifts (and
  // can go negative, turning candidates into NaN that are skipped), so it may pick another bin;
  // that bin's divergence must still be within 2 % of the optimum.
  std::mt19937 rng(11);
  std::set<int> reference_bins;
  mnnq::methods::KlWorkspaceT<float> ws_float;
  mnnq::methods::KlWorkspaceT<double> ws_double;
  for (double width : {60.0, 150.0, 450.0, 700.0}) {
    for (int shape = 0; shape < 2; ++shape) {
      std::vector<uint64_t> counts(2048, 0);
      std::exponential_distribution<double> expo(1.0 / width);
      std::normal_distribution<double> normal(0.0, width);
      for (int i = 0; i < 200000; ++i) {
        const double x = shape ? expo(rng) : std::fabs(normal(rng));
        counts[std::min(2047, int(x))]++;
      }
      std::vector<float> h(2048);
      float sum = 0;
      for (int b = 0; b < 2048; ++b) sum += h[b] = mnnq::methods::mnnBinValue(counts[b]);
      std::vector<double> hd(2048);
      for (int b = 0; b < 2048; ++b) hd[b] = h[b] /= sum;
      const auto kl = referenceKlDivergences(hd);
      const int ref = int(std::min_element(kl.begin() + 128, kl.end()) - kl.begin());
      const int in_double = mnnq::methods::klThresholdBinT(hd.data(), ws_double);
      const int in_float = mnnq::methods::klThresholdBinT(h.data(), ws_float);
      reference_bins.insert(ref);
      INFO("width " << width << " shape " << shape << ": reference bin " << ref << " (KL "
                    << kl[ref] << "), double search " << in_double << ", fp32 search "
                    << in_float << " (KL " << kl[in_float] << ")");
      CHECK(in_double == ref);
      CHECK(kl[in_float] <= kl[ref] * 1.02);
    }
  }
  // The eight histograms put the optimum at different thresholds, so the search is checked
  // across the candidate range, not eight times at one bin.
  CHECK(reference_bins.size() >= 6);
}
