// The packed form of kept samples (core/pipeline/packed_floats.hpp): bit-exact round trips and
// the sizes that follow from its layout (a palette of <= 256 four-byte values plus one byte per
// element, or the floats as they are).
#include "packed_floats.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

using mnnq::PackedFloats;

namespace {

std::vector<uint32_t> bitsOf(const std::vector<float>& v) {
  std::vector<uint32_t> b(v.size());
  if (!v.empty()) std::memcpy(b.data(), v.data(), v.size() * sizeof(float));
  return b;
}

std::vector<float> roundTrip(const std::vector<float>& v) {
  PackedFloats packed(v.data(), v.size());
  REQUIRE(packed.count() == v.size());
  std::vector<float> out(v.size(), 12345.0f);
  packed.unpack(out.data());
  return out;
}

// A planar 3-channel "image" as the image plugin makes it: (p - 127) * normal[c], p in 0..255.
std::vector<float> planarImage(int h, int w, std::mt19937& rng) {
  const float normal[3] = {0.0078125f, 0.017f, 1.0f / 58.4f};
  std::uniform_int_distribution<int> pixel(0, 255);
  std::vector<float> v;
  for (int c = 0; c < 3; ++c)
    for (int i = 0; i < h * w; ++i) v.push_back((float(pixel(rng)) - 127.0f) * normal[c]);
  return v;
}

}  // namespace

TEST_CASE("packed floats: an image's planes come back bit for bit at about a quarter of the size",
          "[pipeline][cache]") {
  std::mt19937 rng(5);
  const int h = 240, w = 320;
  const std::vector<float> image = planarImage(h, w, rng);
  CHECK(bitsOf(roundTrip(image)) == bitsOf(image));
  PackedFloats packed(image.data(), image.size());
  // Each plane has at most 256 values: one byte per element plus at most a few 1 KiB palettes
  // (a segment may straddle two planes) and segment records.
  const std::size_t floats = image.size() * sizeof(float);
  CHECK(packed.bytes() >= image.size());
  CHECK(packed.bytes() <= image.size() + 8 * 1024);
  CHECK(packed.bytes() < floats / 3);
}

TEST_CASE("packed floats: values without repetition are kept as they are", "[pipeline][cache]") {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> any(-3.0f, 3.0f);
  std::vector<float> noise(100000);
  for (float& x : noise) x = any(rng);
  CHECK(bitsOf(roundTrip(noise)) == bitsOf(noise));
  PackedFloats packed(noise.data(), noise.size());
  // Raw floats plus one segment record: no palette overhead.
  CHECK(packed.bytes() <= noise.size() * sizeof(float) + 64);
}

TEST_CASE("packed floats: special values and mixed stretches keep their exact bits", "[pipeline][cache]") {
  std::vector<float> v;
  uint32_t payload_nan_bits = 0x7fc01234u, signalling_bits = 0x7f800001u;
  float payload_nan, signalling;
  std::memcpy(&payload_nan, &payload_nan_bits, 4);
  std::memcpy(&signalling, &signalling_bits, 4);
  // A long repetitive stretch (packed) ...
  for (int i = 0; i < 5000; ++i) {
    const float special[] = {0.0f, -0.0f, std::numeric_limits<float>::infinity(),
                             -std::numeric_limits<float>::infinity(), payload_nan, signalling,
                             std::numeric_limits<float>::denorm_min(), 1.0f};
    v.push_back(special[i % 8]);
  }
  // ... then 2000 distinct values (raw) ...
  for (int i = 0; i < 2000; ++i) v.push_back(1.0f + float(i) * 1e-3f);
  // ... then repetitive again, then a short tail.
  for (int i = 0; i < 3000; ++i) v.push_back(float(i % 7) - 3.0f);
  v.push_back(-0.0f);
  const std::vector<float> out = roundTrip(v);
  CHECK(bitsOf(out) == bitsOf(v));
  PackedFloats packed(v.data(), v.size());
  CHECK(packed.bytes() < v.size() * sizeof(float) / 2);
}

TEST_CASE("packed floats: empty and single-element arrays", "[pipeline][cache]") {
  CHECK(roundTrip({}).empty());
  const std::vector<float> one{-2.5f};
  CHECK(bitsOf(roundTrip(one)) == bitsOf(one));
  // 257 distinct values in a row of 300: a palette would not halve it, so it is stored raw.
  std::vector<float> distinct;
  for (int i = 0; i < 300; ++i) distinct.push_back(float(i));
  CHECK(bitsOf(roundTrip(distinct)) == bitsOf(distinct));
}
