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

TEST_CASE("EMA: a global pooling's output keeps the envelope of its batch ranges", "[methods][ema]") {
  // A squeeze-excite vector has one value per channel, so its per-image extremes vary widely;
  // mnnq keeps the widest nudged range instead of the moving average (a deliberate deviation
  // from MNN). Same two batches as above.
  const uint32_t in = MNNQ_TENSOR_UNIT_INPUT;
  Calibrator ema("feature_ema", R"({"batch_size": 2})");
  mnnq_tensor_desc pooled = tensorDesc(0, {1, 2, 1, 1}, in);  // NCHW, one value per channel
  pooled.producer_type = "Pooling";
  mnnq_tensor_desc pooled_nhwc = tensorDesc(1, {1, 1, 1, 2}, in, MNNQ_LAYOUT_NHWC);
  pooled_nhwc.producer_type = "Reduction";
  mnnq_tensor_desc windowed = tensorDesc(2, {1, 2, 1, 2}, in);  // a pooling with spatial extent
  windowed.producer_type = "Pooling";
  mnnq_tensor_desc conv = tensorDesc(3, {1, 2, 1, 1}, in);  // 1x1 but not a pooling
  conv.producer_type = "Convolution";
  ema.prepare({pooled, pooled_nhwc, windowed, conv}, 1);
  ema.beginPass(0);
  for (uint32_t t = 0; t < 4; ++t) {
    std::vector<float> first = {-1.0f, 0.0f, 0.5f, 2.0f};
    ema.transform(0, 0, 0, 2, t, first);
    std::vector<float> second = {-0.5f, 4.0f, 0.0f, 1.0f};
    ema.transform(0, 0, 2, 2, t, second);
  }
  ema.endPass(0);
  const double s1 = 3.0 / 254, s2 = 4.5 / 254;
  // Envelope of the nudged ranges (-85 s1, 169 s1) and (-28 s2, 226 s2): (-85 s1, 226 s2)
  // = (-1.003937, 4.003937); scale = 5.007874 / 254 = 0.0197160,
  // zero = round(1.003937 / 0.0197160 - 127) = round(-76.08) = -76.
  const double envelope_scale = (226 * s2 + 85 * s1) / 254;
  // Moving average, as in the case above.
  const double average_scale = (0.99 * 169 * s1 + 0.01 * 226 * s2 - (0.99 * -85 * s1 + 0.01 * -28 * s2)) / 254;
  auto p = ema.compute();
  for (int t = 0; t < 2; ++t) {
    INFO("tensor " << t);
    CHECK(p[t].scale == Approx(envelope_scale).epsilon(1e-5));
    CHECK(p[t].zero == -76.0f);
  }
  for (int t = 2; t < 4; ++t) {
    INFO("tensor " << t);
    CHECK(p[t].scale == Approx(average_scale).epsilon(1e-5));
    CHECK(p[t].zero == -43.0f);
  }
}
