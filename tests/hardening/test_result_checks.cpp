// Host checks of plugin results (core/plugin/result_checks.cpp): each bad value is refused with
// a PluginError naming the plugin, the call and the value; good values pass.
#include "result_checks.hpp"

#include "mnnq/core/plugin_handles.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

using namespace mnnq;
using namespace mnnq::plugin_checks;

namespace {

const std::string kPlugin = "weight quantizer 'BAD' (libbad.so)";
const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

struct Weights {
  std::vector<float> data = {0.5f, -0.25f, 0.f, 0.f};
  std::vector<float> scales = {0.5f / 127, 0.f};
  std::vector<float> zeros = {0.f, 0.f};
  std::vector<int8_t> values = {127, -64, 0, 0};
  mnnq_weight_desc desc() const {
    mnnq_weight_desc d{};
    d.op_name = "conv1";
    d.data = data.data();
    d.count = 4;
    d.out_channels = 2;
    d.in_channels_per_group = 2;
    d.kernel_h = d.kernel_w = 1;
    d.bits = 8;
    d.clamp = 127;
    return d;
  }
  mnnq_weight_result result() {
    return mnnq_weight_result{scales.data(), zeros.data(), values.data(), 0};
  }
};

std::string weightError(Weights& w) {
  try {
    checkWeightResult(kPlugin, w.desc(), w.result());
  } catch (const PluginError& e) {
    return e.what();
  }
  return "";
}

std::string featureError(const mnnq_feature_params& p) {
  try {
    checkFeatureParams(kPlugin, {mnnq_feature_params{1, 0.1f, 0.f, -1.f, 1.f}, p});
  } catch (const PluginError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("plugin results: weight scales, zero points and integers") {
  Weights good;
  CHECK(weightError(good).empty());  // scale 0 on an all-zero channel is MAX_ABS's own result
  for (float bad : {kNaN, kInf, -1.f}) {
    Weights w;
    w.scales[0] = bad;
    CHECK_THAT(weightError(w), Catch::StartsWith(kPlugin + ": quantize of 'conv1' gave channel 0 scale") &&
                                   Catch::Contains("(finite and >= 0 expected)"));
  }
  Weights zeroScale;
  zeroScale.scales[0] = 0.f;
  CHECK_THAT(weightError(zeroScale), Catch::Contains("channel 0 scale 0 with non-zero integers"));
  Weights asym;
  asym.zeros[1] = 1e9f;
  CHECK(weightError(asym).empty());  // zero points are only read when asymmetric
  auto r = asym.result();
  r.asymmetric = 1;
  CHECK_THROWS_WITH(checkWeightResult(kPlugin, asym.desc(), r),
                    Catch::Contains("channel 1 zero point 1e+09 (an integer in [-128, 127] expected)"));
  Weights fourBit;
  auto d = fourBit.desc();
  d.bits = 4;
  CHECK_THROWS_WITH(checkWeightResult(kPlugin, d, fourBit.result()),
                    Catch::Contains("channel 0 integer 127 outside the 4-bit range [-8, 7]"));
}

TEST_CASE("plugin results: feature parameters") {
  CHECK(featureError({1, 0.02f, -3.f, -2.f, 5.f}).empty());
  CHECK(featureError({0, kNaN, kNaN, kNaN, kNaN}).empty());  // not valid: left float, not read
  CHECK_THAT(featureError({1, kNaN, 0.f, 0.f, 1.f}), Catch::Contains("compute gave tensor #1 scale nan"));
  CHECK_THAT(featureError({1, 0.f, 0.f, 0.f, 1.f}), Catch::Contains("tensor #1 scale 0 (finite and > 0 expected)"));
  CHECK_THAT(featureError({1, -0.5f, 0.f, 0.f, 1.f}), Catch::Contains("scale -0.5"));
  CHECK_THAT(featureError({1, 0.1f, 1e9f, 0.f, 1.f}), Catch::Contains("zero point 1e+09"));
  CHECK_THAT(featureError({1, 0.1f, 0.5f, 0.f, 1.f}), Catch::Contains("zero point 0.5"));
  CHECK_THAT(featureError({1, 0.1f, 0.f, 2.f, 1.f}), Catch::Contains("min 2, max 1 (finite, min <= max expected)"));
  CHECK_THAT(featureError({1, 0.1f, 0.f, -kInf, 1.f}), Catch::Contains("min -inf"));
  CHECK_THAT(featureError({7, 0.1f, 0.f, 0.f, 1.f}), Catch::Contains("valid = 7"));
}

TEST_CASE("plugin results: passes and sample counts are bounded") {
  CHECK_NOTHROW(checkPasses(kPlugin, 2));
  CHECK_THROWS_WITH(checkPasses(kPlugin, 4294967295u),
                    kPlugin + ": prepare asked for 4294967295 passes over the samples (at most 64)");
  CHECK_NOTHROW(checkSampleCount(kPlugin, 100000));
  CHECK_THROWS_WITH(checkSampleCount(kPlugin, uint64_t(1) << 62), Catch::Contains("count gave 4611686018427387904 samples"));
}
