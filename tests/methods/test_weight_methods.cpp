// MAX_ABS and ADMM weight quantizers through their plugin vtables, on tiny weights whose
// results are worked out by hand from the formulas of mnn-quantizer-facts.md C.6 / A.8.
#include "method_plugins.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

using mnnq::test::quantizeWeights;
using mnnq::test::PluginCallError;

namespace {
bool relClose(double a, double b, double rel) { return std::fabs(a - b) <= rel * std::fabs(b); }
}  // namespace

TEST_CASE("MAX_ABS: per-channel max|w|/127 and rounded integers", "[methods][weights]") {
  // Channel 0: max 1.0 -> alpha 1/127; 0.6*127 = 76.2 -> 76, 0.25*127 = 31.75 -> 32.
  // Channel 1 all zero -> alpha 0, integers 0.
  // Channel 2: max |-0.02| -> alpha 0.02/127; 0.012 -> 76.2 -> 76, -0.005 -> -31.75 -> -32.
  // (Exact .5 ties are avoided: in fp32 they land on either side.)
  const std::vector<float> w = {0.6f, -1.0f, 0.25f, 0.0f,   //
                                0.0f, 0.0f,  0.0f,  0.0f,   //
                                0.012f, -0.02f, 0.0f, -0.005f};
  auto r = quantizeWeights("weight_maxabs", w, 3, 8, 127);
  CHECK(relClose(r.scales[0], 1.0 / 127, 1e-6));
  CHECK(r.scales[1] == 0.0f);
  CHECK(relClose(r.scales[2], 0.02 / 127, 1e-6));
  CHECK(std::vector<int>(r.values.begin(), r.values.end()) ==
        std::vector<int>{76, -127, 32, 0, 0, 0, 0, 0, 76, -127, 0, -32});
}

TEST_CASE("MAX_ABS: 4 bits with clamp 127 saturates, clamp 7 uses the 4-bit grid",
          "[methods][weights]") {
  const std::vector<float> w = {1.0f, 0.55f, -1.0f, -0.3f};
  // Cw = 127 (MNN without weight_clamp_value): alpha = 1/127, integers 127, 70, -127, -38
  // clamped to [-8, 7].
  auto saturated = quantizeWeights("weight_maxabs", w, 1, 4, 127);
  CHECK(relClose(saturated.scales[0], 1.0 / 127, 1e-6));
  CHECK(std::vector<int>(saturated.values.begin(), saturated.values.end()) ==
        std::vector<int>{7, 7, -8, -8});
  // Cw = 7: alpha = 1/7; 0.55*7 = 3.85 -> 4, -0.3*7 = -2.1 -> -2.
  auto grid = quantizeWeights("weight_maxabs", w, 1, 4, 7);
  CHECK(relClose(grid.scales[0], 1.0 / 7, 1e-6));
  CHECK(std::vector<int>(grid.values.begin(), grid.values.end()) == std::vector<int>{7, 4, -7, -2});
}

TEST_CASE("weight quantizers read the clamp and bits as host keys, not their own", "[methods][weights]") {
  // Their ranges are the host's (1..127, 2..8), checked by the host before quantize() is called
  // (tests/plugins_registry: "the input and weight handles check ...").
  for (const char* target : {"weight_maxabs", "weight_admm"}) {
    INFO(target);
    const mnnq_plugin_info& info = mnnq::test::methodPlugin(target);
    CHECK(info.num_keys == 0);
    REQUIRE(info.num_host_keys == 2);
    CHECK(std::string(info.host_keys[0]) == "weight_clamp_value");
    CHECK(std::string(info.host_keys[1]) == "quant_bits");
  }
}

TEST_CASE("ADMM weights: equal magnitudes converge to max/127", "[methods][weights]") {
  // alpha0 = 1/(1.25*127); q = round(158.75) clamps to 127; alpha = 4*127/(4*127^2) = 1/127,
  // after which q stays 127.
  auto r = quantizeWeights("weight_admm", {1.0f, -1.0f, 1.0f, -1.0f}, 1, 8, 127);
  CHECK(relClose(r.scales[0], 1.0 / 127, 1e-6));
  CHECK(std::vector<int>(r.values.begin(), r.values.end()) == std::vector<int>{127, -127, 127, -127});
}

TEST_CASE("ADMM weights: two-level channels with clamp 7", "[methods][weights]") {
  // Channel 0: w = (0.7, 0.1, 0), Cw = 7 (fake quantisation keeps it: step 0.1).
  //   alpha0 = 0.7/8.75 = 0.08; q = (clamp(round(8.75)) = 7, round(1.25) = 1, 0);
  //   alpha = (4.9 + 0.1)/(49 + 1) = 0.1; q repeats: fixed point. Integers 7, 1, 0.
  // Channel 1: w = (1.4, 0.6, 0.2) = (7, 3, 1) * 0.2.
  //   alpha0 = 1.4/8.75 = 0.16; q = (7, round(3.75) = 4, round(1.25) = 1);
  //   alpha = 0.2 (49 + 12 + 1)/(49 + 16 + 1) = 0.2 * 62/66 = 0.187879;
  //   q = (round(7.45) = 7, round(3.19) = 3, round(1.06) = 1); alpha = 0.2 (49+9+1)/(49+9+1)
  //   = 0.2; fixed point. Integers 7, 3, 1.
  auto r = quantizeWeights("weight_admm", {0.7f, 0.1f, 0.0f, 1.4f, 0.6f, 0.2f}, 2, 8, 7);
  CHECK(relClose(r.scales[0], 0.1, 1e-6));
  CHECK(relClose(r.scales[1], 0.2, 1e-6));
  CHECK(std::vector<int>(r.values.begin(), r.values.end()) == std::vector<int>{7, 1, 0, 7, 3, 1});
}

TEST_CASE("ADMM weights: stored integers use the full 8-bit range, as MNN's encoder does",
          "[methods][weights]") {
  // Many weights at 1.0 and one at 1.01: alpha converges near 1/127 (the one outlier clamps to
  // 127 in the iteration), and the outlier is then written as round(1.01/alpha) = 128 clamped to
  // 127, while -1.01 becomes -128 (A.8 clamps to [-128, 127], not to +-Cw).
  std::vector<float> w(64, 1.0f);
  w[0] = 1.01f;
  w[1] = -1.01f;
  auto r = quantizeWeights("weight_admm", w, 1, 8, 127);
  REQUIRE(r.scales[0] > 0.0f);
  CHECK(r.values[1] == -128);
  CHECK(r.values[0] == 127);
  CHECK(r.values[2] == std::lround(1.0 / r.scales[0]));
}

TEST_CASE("ADMM weights: clamp below 7 is refused naming the key", "[methods][weights]") {
  try {
    quantizeWeights("weight_admm", {1.0f, 0.5f}, 1, 3, 3, "conv_b");
    FAIL("expected an error");
  } catch (const PluginCallError& e) {
    CHECK(e.status == MNNQ_INVALID_ARGUMENT);
    CHECK_THAT(e.what(), Catch::Contains("weight_clamp_value") && Catch::Contains("conv_b"));
  }
}


