// Bias correction (core/pipeline/bias_correction.hpp) on hand-computed cases.
#include "bias_correction.hpp"

#include <catch2/catch.hpp>

using namespace mnnq;

TEST_CASE("bias correction subtracts the weights' rounding error times the input means", "[pipeline][bias]") {
  SECTION("depthwise 2 channels, 2x1 kernel") {
    // Channel 0: w = (1.0, -1.0), rounded (1.1, -1.0): error 0.1 * mean 5 = 0.5.
    // Channel 1: w = (0.5, 0.5), rounded (0.5, 0.4): error -0.1 * mean 2 = -0.2.
    std::vector<float> w = {1.0f, -1.0f, 0.5f, 0.5f}, q = {1.1f, -1.0f, 0.5f, 0.4f};
    std::vector<float> bias = {0.0f, 1.0f};
    REQUIRE(correctBias(w, q, 2, 2, {5.0, 2.0}, bias));
    CHECK(bias[0] == Approx(-0.5f));
    CHECK(bias[1] == Approx(1.2f));
  }
  SECTION("dense 1x1, 1 output, 3 inputs") {
    std::vector<float> w = {0.2f, 0.3f, 0.4f}, q = {0.25f, 0.3f, 0.35f};
    std::vector<float> bias = {0.0f};
    // 0.05 * 1 + 0 * 2 - 0.05 * 3 = -0.1
    REQUIRE(correctBias(w, q, 1, 1, {1.0, 2.0, 3.0}, bias));
    CHECK(bias[0] == Approx(0.1f));
  }
  SECTION("two groups of two inputs, 2 outputs") {
    // Output 1 reads input channels 2 and 3 only.
    std::vector<float> w = {0, 0, 1.0f, 1.0f}, q = {0, 0, 1.5f, 1.0f};
    std::vector<float> bias = {0.0f, 0.0f};
    REQUIRE(correctBias(w, q, 2, 1, {10.0, 10.0, 4.0, 100.0}, bias));
    CHECK(bias[0] == Approx(0.0f));
    CHECK(bias[1] == Approx(-2.0f));
  }
  SECTION("shapes that do not fit leave the bias alone") {
    std::vector<float> w = {1, 2, 3}, q = {1, 2, 3}, bias = {7.0f};
    CHECK_FALSE(correctBias(w, q, 1, 2, {1.0, 1.0}, bias));  // 3 weights, kernel area 2
    CHECK(bias[0] == 7.0f);
  }
}
