// The vectorised KL bin counting and the finite min/max scan, against their definitions written
// out element by element (C.3 of mnn-quantizer-facts.md): |x| > 1e-6 compared in double, finite,
// bin = min(int(|x| * interval), 2047) with the product in float; min/max ignore NaN and +-inf.
#include "common/quant_math.hpp"  // ShardedRange::scanFinite
#include "kl_histogram.hpp"       // plugins/feature_kl

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

using mnnq::methods::kKlBins;
using mnnq::methods::KlBinCounter;

namespace {

std::vector<uint64_t> definitionHistogram(const std::vector<float>& data, float interval) {
  std::vector<uint64_t> h(kKlBins, 0);
  for (float x : data) {
    const float a = std::fabs(x);
    if (!(double(a) > 1e-6) || !std::isfinite(a)) continue;
    const float product = a * interval;
    const int bin = product >= float(kKlBins - 1) ? kKlBins - 1 : static_cast<int>(product);
    ++h[bin];
  }
  return h;
}

// Random values of several magnitudes plus every awkward case: the 1e-6 boundary from both
// sides, exact bin edges, the maximum, signed zeros, denormals, NaN and infinities.
std::vector<float> awkwardData(std::size_t n, float max_abs, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-max_abs, max_abs);
  std::uniform_int_distribution<int> pick(0, 11);
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> v;
  for (std::size_t i = 0; i < n; ++i) {
    switch (pick(rng)) {
      case 0: v.push_back(0.0f); break;
      case 1: v.push_back(-0.0f); break;
      case 2: v.push_back(std::nextafter(1e-6f, i % 2 ? 0.0f : 1.0f) * (i % 3 ? 1.0f : -1.0f)); break;
      case 3: v.push_back(1e-6f); break;
      case 4: v.push_back(max_abs * float(i % kKlBins) / kKlBins); break;  // bin edges
      case 5: v.push_back(i % 2 ? max_abs : -max_abs); break;
      case 6: v.push_back(std::numeric_limits<float>::denorm_min() * float(i % 7)); break;
      case 7: v.push_back(i % 5 == 0 ? std::nanf("") : (i % 2 ? inf : -inf)); break;
      case 8: v.push_back(uniform(rng) * 1e-3f); break;
      default: v.push_back(uniform(rng)); break;
    }
  }
  return v;
}

}  // namespace

TEST_CASE("KL bins: the skip bound is the smallest float above 1e-6 in double", "[methods][kl]") {
  const float b = mnnq::methods::klSkipBound();
  CHECK(double(b) > 1e-6);
  CHECK_FALSE(double(std::nextafter(b, 0.0f)) > 1e-6);
}

TEST_CASE("KL bins: vectorised counting equals the element-by-element definition", "[methods][kl]") {
  for (std::size_t n : {std::size_t(0), std::size_t(1), std::size_t(7), std::size_t(8), std::size_t(513),
                        std::size_t(4099), std::size_t(20000)}) {
    for (float max_abs : {1.0f, 3.7e-3f, 250.0f}) {
      const std::vector<float> data = awkwardData(n, max_abs, unsigned(n) + 1);
      const float interval = float(kKlBins) / max_abs;
      std::vector<uint64_t> counts(kKlBins, 0);
      KlBinCounter counter;
      // Two adds and a flush, then the rest: counts accumulate across flushes.
      const std::size_t half = n / 2;
      counter.add(data.data(), half, interval);
      counter.flushInto(counts.data());
      CHECK(counter.empty());
      counter.add(data.data() + half, n - half, interval);
      counter.flushInto(counts.data());
      INFO("n = " << n << ", max = " << max_abs);
      CHECK(counts == definitionHistogram(data, interval));
    }
  }
}

TEST_CASE("KL bins: values above the interval's range land in the last bin", "[methods][kl]") {
  // The histogram pass sees the values the range pass saw, but the clamp must hold anyway.
  std::vector<float> data = {1.0f, 2.0f, 1e30f, -5.0f, 0.5f};
  std::vector<uint64_t> counts(kKlBins, 0);
  KlBinCounter counter;
  counter.add(data.data(), data.size(), float(kKlBins) / 1.0f);
  counter.flushInto(counts.data());
  CHECK(counts[kKlBins - 1] == 4);
  CHECK(counts[kKlBins / 2] == 1);
}

TEST_CASE("finite min/max scan equals std::min/std::max over the finite values", "[methods]") {
  for (std::size_t n : {std::size_t(0), std::size_t(3), std::size_t(16), std::size_t(17), std::size_t(1001)}) {
    const std::vector<float> data = awkwardData(n, 42.0f, unsigned(n) + 100);
    float lo = 100000.0f, hi = -100000.0f;
    for (float x : data)
      if (std::isfinite(x)) {
        lo = std::min(lo, x);
        hi = std::max(hi, x);
      }
    float got_lo = 100000.0f, got_hi = -100000.0f;
    mnnq::methods::ShardedRange::scanFinite(data.data(), data.size(), &got_lo, &got_hi);
    INFO("n = " << n);
    CHECK(std::fabs(got_lo) == std::fabs(lo));  // a zero's sign may differ; callers use |.|
    CHECK(std::fabs(got_hi) == std::fabs(hi));
    CHECK(got_lo == lo);
    CHECK(got_hi == hi);
  }
}
