// Sample files that would block or exhaust memory: FIFOs in the sample folder, image headers
// declaring huge sizes (max_image_pixels), .npy headers declaring more data than the file
// holds, non-float mean values. Each is skipped (or refused at create) with the reason, without
// blocking and before anything of the declared size is allocated.
#include "input_plugin_under_test.hpp"
#include "test_files.hpp"

#include "fixtures.hpp"

#include <stb_image_write.h>

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdint>
#include <fstream>
#include <iterator>

using mnnq::test::CallResult;
using mnnq::test::readFile;
using mnnq::test::writeFile;
using mnnq::test::InputSourceUnderTest;
using mnnq::test::ModelInputSpec;

namespace {

// CRC-32 (ISO-HDLC, as in PNG chunks), bitwise.
uint32_t crc32(const std::string& bytes) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : bytes) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return c ^ 0xFFFFFFFFu;
}

void putBigEndian(std::string& s, size_t at, uint32_t v) {
  for (int k = 0; k < 4; ++k) s[at + k] = static_cast<char>((v >> (24 - 8 * k)) & 0xFF);
}

// A real 2x2 PNG whose IHDR then claims width x height (CRC fixed, so the header is valid).
std::string pngClaiming(const std::string& dir, uint32_t width, uint32_t height) {
  const unsigned char pixels[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  REQUIRE(stbi_write_png((dir + "/small.png").c_str(), 2, 2, 3, pixels, 6) != 0);
  std::string png = readFile(dir + "/small.png");
  std::remove((dir + "/small.png").c_str());
  REQUIRE(png.substr(12, 4) == "IHDR");
  putBigEndian(png, 16, width);
  putBigEndian(png, 20, height);
  putBigEndian(png, 29, crc32(png.substr(12, 17)));
  return png;
}

nlohmann::json imageConfig(const std::string& folder) {
  return {{"path", folder}, {"format", "RGB"}, {"width", 2}, {"height", 2}};
}
const std::vector<ModelInputSpec> kImage = {{"image", {1, 3, 2, 2}, MNNQ_LAYOUT_NCHW}};

}  // namespace

TEST_CASE("hostile images: a header claiming 18000x18000 is skipped before decoding") {
  const std::string dir = mnnq::test::tempDir("hostile-png");
  writeFile(dir + "/huge.png", pngClaiming(dir, 18000, 18000));
  InputSourceUnderTest source("input_image", imageConfig(dir), kImage);
  std::vector<std::vector<float>> out;
  const CallResult r = source.load(0, out);
  CHECK(r.status == MNNQ_SKIP);
  CHECK(r.message == "image is 18000x18000 = 324000000 pixels, more than max_image_pixels (64000000)");

  // The limit is a key: the honest 2x2 image passes at 4 pixels and is skipped at 3.
  const std::string small = mnnq::test::tempDir("hostile-png-small");
  writeFile(small + "/ok.png", pngClaiming(small, 2, 2));
  auto cfg = imageConfig(small);
  cfg["max_image_pixels"] = 4;
  InputSourceUnderTest four("input_image", cfg, kImage);
  CHECK(four.load(0, out).status == MNNQ_OK);
  cfg["max_image_pixels"] = 3;
  InputSourceUnderTest three("input_image", cfg, kImage);
  CHECK(three.load(0, out).message == "image is 2x2 = 4 pixels, more than max_image_pixels (3)");
}

TEST_CASE("hostile images: a FIFO in the sample folder is skipped, not read") {
  const std::string dir = mnnq::test::tempDir("hostile-fifo");
  REQUIRE(::mkfifo((dir + "/a_pipe.png").c_str(), 0600) == 0);
  writeFile(dir + "/b_ok.png", pngClaiming(dir, 2, 2));
  InputSourceUnderTest source("input_image", imageConfig(dir), kImage);
  REQUIRE(source.count() == 2);
  std::vector<std::vector<float>> out;
  const CallResult pipe = source.load(0, out);
  CHECK(pipe.status == MNNQ_SKIP);
  CHECK(pipe.message == "is a FIFO (named pipe), not a regular file");
  CHECK(source.load(1, out).status == MNNQ_OK);
}

TEST_CASE("hostile images: mean or normal beyond float are refused at create") {
  const std::string dir = mnnq::test::tempDir("hostile-mean");
  writeFile(dir + "/ok.png", pngClaiming(dir, 2, 2));
  auto cfg = imageConfig(dir);
  cfg["mean"] = {1e308, 0, 0};
  const CallResult r = InputSourceUnderTest::tryCreate("input_image", cfg, kImage);
  CHECK(r.status != MNNQ_OK);
  CHECK(r.message.find("config key 'mean': 1e+308 is out of the range of a 32-bit float") != std::string::npos);
}

TEST_CASE("hostile npy: a header claiming 30000x30000 float64 in a 1 KB file is skipped before allocating") {
  const std::string dir = mnnq::test::tempDir("hostile-npy");
  writeFile(dir + "/a.npy", mnnq::test::npyHeader("<f8", "(30000, 30000)") + std::string(1000, '\0'));
  writeFile(dir + "/b.npy", mnnq::test::npyHeader("<f4", "(1, 2)") + std::string(8, '\0'));
  REQUIRE(::mkfifo((dir + "/c.npy").c_str(), 0600) == 0);
  const std::vector<ModelInputSpec> input = {{"x", {1, 2}, MNNQ_LAYOUT_NCHW}};
  InputSourceUnderTest source("input_npy", {{"path", dir}}, input);
  REQUIRE(source.count() == 3);
  std::vector<std::vector<float>> out;
  const CallResult big = source.load(0, out);
  INFO(big.message);
  CHECK(big.status == MNNQ_SKIP);
  CHECK((big.message.find("file is shorter than its header declares (7200000000 bytes of data") != std::string::npos ||
         big.message.find("has shape [30000,30000]") != std::string::npos));
  CHECK(source.load(1, out).status == MNNQ_OK);
  const CallResult pipe = source.load(2, out);
  CHECK(pipe.status == MNNQ_SKIP);
  CHECK(pipe.message.find("is a FIFO (named pipe), not a regular file") != std::string::npos);
}
