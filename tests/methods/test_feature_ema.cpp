// EMA feature calibrator through its plugin vtable: pass description, in-place fake
// quantisation with each batch's range, momentum 0.99, and the final parameters, against
// values worked out by hand from C.7.3 of mnn-quantizer-facts.md.
#include "method_plugins.hpp"

#include <catch2/catch.hpp>

#include <vector>

using namespace mnnq::test;

TEST_CASE("EMA: one transform pass, sequential, with the configured batch and weight bits",
          "[methods][ema]") {
  Calibrator ema("feature_ema", R"({"batch_size": 2, "quant_bits": 6})");
  REQUIRE(ema.prepare({tensorDesc(0, {1, 1, 1, 2}, MNNQ_TENSOR_UNIT_INPUT)}, 4) == 1);
  const mnnq_pass_desc d = ema.beginPass(0);
  CHECK(d.flags == (MNNQ_PASS_TRANSFORM | MNNQ_PASS_SEQUENTIAL));
  CHECK(d.batch_size == 2);
  CHECK(d.weight_bits == 6);
}

TEST_CASE("EMA: winogradOpt true is refused, not ignored", "[methods][ema]") {
  try {
    createCalibratorOrThrow("feature_ema", R"({"winogradOpt": true})");
    FAIL("expected an error");
  } catch (const PluginCallError& e) {
    CHECK(e.status == MNNQ_UNSUPPORTED);
    CHECK_THAT(e.what(), Catch::Contains("winogradOpt"));
  }
  CHECK_NOTHROW(createCalibratorOrThrow("feature_ema", R"({"winogradOpt": false})"));
}

TEST_CASE("EMA: batch fake quantisation, moving average and final parameters",
          "[methods][ema]") {
  const uint32_t in = MNNQ_TENSOR_UNIT_INPUT, out = MNNQ_TENSOR_UNIT_OUTPUT;
  Calibrator ema("feature_ema", R"({"batch_size": 2})");
  ema.prepare({tensorDesc(0, {1, 1, 1, 2}, in), tensorDesc(1, {1, 1, 1, 2}, out),
               tensorDesc(2, {1, 1, 1, 2}, in | out), tensorDesc(3, {1, 1, 1, 2}, 0)},
              1);
  ema.beginPass(0);

  // Batch 1 = {-1, 0}, {0.5, 2}: m = -1, M = 2, s = 3/254, z = round(84.67 - 127) = -42.
  // x^ = s * (clamp(round(x/s - 42), +-127) + 42): -1 -> -85 s, 0 -> 0, 0.5 -> 42 s, 2 -> 169 s.
  // Nudged range: (-127 + 42) s = -85 s, (127 + 42) s = 169 s.
  const double s1 = 3.0 / 254;
  for (uint32_t t = 0; t < 4; ++t) {
    std::vector<float> batch = {-1.0f, 0.0f, 0.5f, 2.0f};
    ema.transform(0, 0, 0, 2, t, batch);
    if (t == 3) {
      CHECK(batch == std::vector<float>{-1.0f, 0.0f, 0.5f, 2.0f});  // not a unit tensor
      continue;
    }
    CHECK(batch[0] == Approx(-85 * s1).epsilon(1e-6));
    CHECK(batch[1] == 0.0f);
    CHECK(batch[2] == Approx(42 * s1).epsilon(1e-6));
    CHECK(batch[3] == Approx(169 * s1).epsilon(1e-6));
  }
  // Batch 2 = {-0.5, 4}, {0, 1}: m = -0.5, M = 4, s = 4.5/254, z = round(28.22 - 127) = -99;
  // nudged range (-28 s, 226 s).
  const double s2 = 4.5 / 254;
  for (uint32_t t = 0; t < 4; ++t) {
    std::vector<float> batch = {-0.5f, 4.0f, 0.0f, 1.0f};
    ema.transform(0, 0, 2, 2, t, batch);
  }
  // A short last batch (1 sample < batch_size 2) is not used: data and ranges unchanged.
  std::vector<float> tail = {-100.0f, 100.0f};
  ema.transform(0, 0, 4, 1, 0, tail);
  CHECK(tail == std::vector<float>{-100.0f, 100.0f});
  ema.endPass(0);

  // Running range: 0.99 * first + 0.01 * second.
  const double lo = 0.99 * (-85 * s1) + 0.01 * (-28 * s2);
  const double hi = 0.99 * (169 * s1) + 0.01 * (226 * s2);
  const double scale = (hi - lo) / 254;             // = 0.0118701
  const double zero = -43;                          // round(-lo/scale - 127) = round(-42.85)
  auto p = ema.compute();
  for (int t = 0; t < 3; ++t) {
    INFO("tensor " << t);
    REQUIRE(p[t].valid == 1);
    CHECK(p[t].scale == Approx(scale).epsilon(1e-5));
    CHECK(p[t].zero == zero);
    CHECK(p[t].max == 127.0f);
  }
  CHECK(p[0].min == -127.0f);  // unit input
  CHECK(p[1].min == -128.0f);  // unit output only
  CHECK(p[2].min == -127.0f);  // both: the next unit's input parameters win
  CHECK(p[3].valid == 0);
}
