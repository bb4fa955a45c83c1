// How the image plugin treats each kind of file a calibration folder may hold. Expected pixel
// values are derived by hand from the bytes written: a 2x2 source resized to 2x2 maps every
// output pixel onto a source pixel, so the output is the decoded source (16-bit samples keep
// their high byte, as stb_image and MNN do).
#include "input_plugin_under_test.hpp"
#include "test_files.hpp"
#include "png_encoder.hpp"

#include "fixtures.hpp"

#include <stb_image_write.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

using mnnq::test::CallResult;
using mnnq::test::readFile;
using mnnq::test::writeFile;
using mnnq::test::InputSourceUnderTest;
using mnnq::test::ModelInputSpec;

namespace {

nlohmann::json config(const std::string& folder, const std::string& format, int size = 2) {
  return {{"path", folder},    {"format", format},     {"mean", {0, 0, 0, 0}},
          {"normal", {1, 1, 1, 1}}, {"width", size}, {"height", size}};
}

ModelInputSpec nchw(int channels, int size = 2) {
  return {"image", {1, channels, size, size}, MNNQ_LAYOUT_NCHW};
}

// The single sample of a folder holding only `file`.
CallResult loadSingle(const std::string& folder, const std::string& format, int channels,
                      std::vector<float>& out) {
  InputSourceUnderTest source("input_image", config(folder, format), {nchw(channels)});
  REQUIRE(source.count() == 1);
  std::vector<std::vector<float>> buffers;
  CallResult r = source.load(0, buffers);
  out = buffers[0];
  return r;
}

// NCHW float tensor of a 2x2 image given as 4 pixels of `channels` values each.
std::vector<float> planar(const std::vector<int>& pixels, int channels) {
  std::vector<float> v(pixels.size());
  for (int p = 0; p < 4; ++p)
    for (int c = 0; c < channels; ++c) v[c * 4 + p] = static_cast<float>(pixels[p * channels + c]);
  return v;
}

}  // namespace

TEST_CASE("unusable image files are skipped with the reason") {
  MNNQ_REQUIRE_FIXTURES();
  const std::string jpeg = readFile(mnnq::test::fixture("images/calib/faces_ultraface_1.jpg"));
  REQUIRE(jpeg.size() > 1000);
  struct Case {
    const char* file;
    std::string bytes;
    const char* reason;
  } cases[] = {
      {"empty.jpg", "", "empty file"},
      {"truncated.jpg", jpeg.substr(0, jpeg.size() / 2), "truncated JPEG"},
      {"text.jpg", "this is not a picture\n", "not an image"},
      {"cut_header.png", std::string("\x89PNG\r\n\x1a\n", 8), "not an image"},
  };
  for (const auto& c : cases) {
    const std::string dir = mnnq::test::tempDir("input-bad");
    writeFile(dir + "/" + c.file, c.bytes);
    std::vector<float> out;
    const CallResult r = loadSingle(dir, "RGB", 3, out);
    INFO(c.file << ": " << r.message);
    CHECK(r.status == MNNQ_SKIP);
    CHECK(r.message.find(c.reason) != std::string::npos);
  }
  // The complete JPEG in the same situation decodes.
  const std::string dir = mnnq::test::tempDir("input-good");
  writeFile(dir + "/whole.jpg", jpeg);
  std::vector<float> out;
  CHECK(loadSingle(dir, "RGB", 3, out).status == MNNQ_OK);
}

TEST_CASE("a 1x1 image fills the whole output with its pixel") {
  const std::string dir = mnnq::test::tempDir("input-1x1");
  const unsigned char pixel[3] = {10, 200, 30};
  REQUIRE(stbi_write_png((dir + "/one.png").c_str(), 1, 1, 3, pixel, 3) != 0);
  InputSourceUnderTest source("input_image", config(dir, "BGR", 5), {nchw(3, 5)});
  std::vector<std::vector<float>> out;
  REQUIRE(source.load(0, out).status == MNNQ_OK);
  for (int c = 0; c < 3; ++c)
    for (int p = 0; p < 25; ++p) CHECK(out[0][c * 25 + p] == float(pixel[2 - c]));
}

TEST_CASE("16-bit, palette, gray and alpha PNGs decode to their pixels") {
  const std::string dir = mnnq::test::tempDir("input-png");
  std::vector<float> out;

  SECTION("16-bit RGB keeps the high byte") {
    const std::vector<uint8_t> rows = {0xAB, 0x12, 0x34, 0x00, 0xFF, 0xFF,  0x01, 0x80, 0x00,
                                       0x01, 0x7F, 0xFF, 0x10, 0x00, 0x20,  0x00, 0x30, 0x00,
                                       0xFE, 0xFF, 0x00, 0x00, 0x99, 0x99};
    writeFile(dir + "/deep.png", mnnq::test::encodePng(2, 2, 16, 2, rows));
    REQUIRE(loadSingle(dir, "RGB", 3, out).status == MNNQ_OK);
    CHECK(out == planar({0xAB, 0x34, 0xFF, 0x01, 0x00, 0x7F, 0x10, 0x20, 0x30, 0xFE, 0x00, 0x99}, 3));
  }
  SECTION("palette colours are looked up") {
    const std::vector<uint8_t> palette = {255, 0, 0, 0, 255, 0, 0, 0, 255, 7, 8, 9};
    writeFile(dir + "/pal.png", mnnq::test::encodePng(2, 2, 8, 3, {3, 0, 1, 2}, palette));
    REQUIRE(loadSingle(dir, "RGB", 3, out).status == MNNQ_OK);
    CHECK(out == planar({7, 8, 9, 255, 0, 0, 0, 255, 0, 0, 0, 255}, 3));
  }
  SECTION("gray source gives equal R, G, B; GRAY format returns it") {
    const unsigned char gray[4] = {0, 77, 128, 255};
    REQUIRE(stbi_write_png((dir + "/gray.png").c_str(), 2, 2, 1, gray, 2) != 0);
    REQUIRE(loadSingle(dir, "RGB", 3, out).status == MNNQ_OK);
    CHECK(out == planar({0, 0, 0, 77, 77, 77, 128, 128, 128, 255, 255, 255}, 3));
    REQUIRE(loadSingle(dir, "GRAY", 1, out).status == MNNQ_OK);
    // (19 + 38 + 7) * v >> 6 == v
    CHECK(out == planar({0, 77, 128, 255}, 1));
  }
  SECTION("alpha is kept by RGBA/BGRA and dropped by RGB") {
    const unsigned char rgba[16] = {10, 20, 30, 40, 50, 60, 70, 0, 1, 2, 3, 255, 200, 100, 0, 128};
    REQUIRE(stbi_write_png((dir + "/alpha.png").c_str(), 2, 2, 4, rgba, 8) != 0);
    REQUIRE(loadSingle(dir, "BGRA", 4, out).status == MNNQ_OK);
    CHECK(out == planar({30, 20, 10, 40, 70, 60, 50, 0, 3, 2, 1, 255, 0, 100, 200, 128}, 4));
    REQUIRE(loadSingle(dir, "RGB", 3, out).status == MNNQ_OK);
    CHECK(out == planar({10, 20, 30, 50, 60, 70, 1, 2, 3, 200, 100, 0}, 3));
  }
  SECTION("gray + alpha source") {
    const unsigned char ga[8] = {90, 10, 0, 255, 255, 0, 33, 44};
    REQUIRE(stbi_write_png((dir + "/ga.png").c_str(), 2, 2, 2, ga, 4) != 0);
    REQUIRE(loadSingle(dir, "RGBA", 4, out).status == MNNQ_OK);
    CHECK(out == planar({90, 90, 90, 10, 0, 0, 0, 255, 255, 255, 255, 0, 33, 33, 33, 44}, 4));
  }
}

TEST_CASE("a folder with junk: sorted listing, hidden files and sub-folders ignored, bad files skipped") {
  const std::string dir = mnnq::test::tempDir("input-junk");
  const unsigned char px[3] = {1, 2, 3};
  for (const char* name : {"c.png", "a.png", "e.png"})
    REQUIRE(stbi_write_png((dir + "/" + name).c_str(), 1, 1, 3, px, 3) != 0);
  writeFile(dir + "/README.txt", "calibration images\n");
  writeFile(dir + "/b_empty.jpg", "");
  writeFile(dir + "/.DS_Store", "junk");
  std::filesystem::create_directory(dir + "/thumbnails");
  writeFile(dir + "/thumbnails/x.png", "");

  InputSourceUnderTest source("input_image", config(dir, "RGB"), {nchw(3)});
  REQUIRE(source.count() == 5);
  const std::vector<std::string> expectedNames = {"README.txt", "a.png", "b_empty.jpg", "c.png",
                                                  "e.png"};  // byte order: upper case first
  int ok = 0, skipped = 0;
  for (uint64_t i = 0; i < source.count(); ++i) {
    CHECK(source.name(i) == expectedNames[i]);
    std::vector<std::vector<float>> out;
    const CallResult r = source.load(i, out);
    (r.status == MNNQ_OK ? ok : skipped)++;
    if (r.status == MNNQ_SKIP) CHECK(!r.message.empty());
  }
  CHECK(ok == 3);
  CHECK(skipped == 2);

  SECTION("used_image_num takes the first N in name order; used_sample_num wins") {
    auto cfg = config(dir, "RGB");
    cfg["used_image_num"] = 2;
    InputSourceUnderTest two("input_image", cfg, {nchw(3)});
    REQUIRE(two.count() == 2);
    CHECK(two.name(1) == "a.png");
    cfg["used_sample_num"] = 3;
    InputSourceUnderTest three("input_image", cfg, {nchw(3)});
    CHECK(three.count() == 3);
  }
}

TEST_CASE("image configuration errors name the key") {
  const std::string dir = mnnq::test::tempDir("input-cfg");
  const unsigned char px[3] = {1, 2, 3};
  REQUIRE(stbi_write_png((dir + "/a.png").c_str(), 1, 1, 3, px, 3) != 0);
  const std::string empty = mnnq::test::tempDir("input-empty");
  writeFile(empty + "/.hidden.jpg", "x");
  std::filesystem::create_directory(empty + "/sub");

  auto expectError = [](const nlohmann::json& cfg, const std::vector<ModelInputSpec>& inputs,
                        const std::string& words) {
    const CallResult r = InputSourceUnderTest::tryCreate("input_image", cfg, inputs);
    INFO(r.message);
    CHECK(r.status == MNNQ_INVALID_ARGUMENT);
    CHECK(r.message.find(words) != std::string::npos);
  };
  expectError(config(dir, "YUV"), {nchw(3)}, "'format': unknown value 'YUV'; allowed: RGB, BGR, RGBA, BGRA, GRAY");
  expectError(config(empty, "RGB"), {nchw(3)}, empty);
  expectError(config(dir + "/missing", "RGB"), {nchw(3)}, "does not exist");
  expectError(config(dir, "GRAY"), {nchw(3)}, "has 3 channels but format gives 1");
  auto noSize = config(dir, "RGB");
  noSize.erase("width");
  expectError(noSize, {nchw(3)}, "'width' and 'height'");
  auto badMean = config(dir, "RGB");
  badMean["mean"] = {1, 2, 3, 4, 5};
  expectError(badMean, {nchw(3)}, "'mean'");
  auto badCrop = config(dir, "RGB");
  badCrop["center_crop_h"] = 0;
  expectError(badCrop, {nchw(3)}, "'center_crop_h'");
  // A second model input needs a constant.
  expectError(config(dir, "RGB"), {nchw(3), {"scale", {1}, MNNQ_LAYOUT_NCHW}}, "'scale'");
}

TEST_CASE("image: inputs key gives the shape and constants for other inputs") {
  const std::string dir = mnnq::test::tempDir("input-inputs");
  const unsigned char px[3] = {9, 8, 7};
  REQUIRE(stbi_write_png((dir + "/a.png").c_str(), 1, 1, 3, px, 3) != 0);
  auto cfg = config(dir, "RGB");
  cfg.erase("width");
  cfg.erase("height");
  cfg["inputs"] = {{{"name", "image"}, {"shape", {1, 4, 3, 3}}},
                   {{"name", "scale"}, {"shape", {1, 2}}, {"value", 0.5}}};
  cfg["format"] = "RGBA";
  InputSourceUnderTest source("input_image", cfg,
                              {{"image", {1, -1, -1, -1}, MNNQ_LAYOUT_NCHW},
                               {"scale", {-1, 2}, MNNQ_LAYOUT_NCHW}});
  CHECK(source.shape(0) == std::vector<int32_t>{1, 4, 3, 3});
  CHECK(source.shape(1) == std::vector<int32_t>{1, 2});
  std::vector<std::vector<float>> out;
  REQUIRE(source.load(0, out).status == MNNQ_OK);
  CHECK(out[0][0] == 9.0f);
  CHECK(out[0][9 * 3] == 255.0f);  // opaque source: alpha plane
  CHECK(out[1] == std::vector<float>{0.5f, 0.5f});
}

TEST_CASE("input plugins declare their keys") {
  const auto& info = mnnq::test::inputPluginInfo("input_image");
  CHECK(std::string(info.name) == "image");
  std::vector<std::string> keys, host_keys;
  for (uint32_t i = 0; i < info.num_keys; ++i) keys.push_back(info.keys[i].name);
  for (uint32_t i = 0; i < info.num_host_keys; ++i) host_keys.push_back(info.host_keys[i]);
  CHECK(keys == std::vector<std::string>{"format", "mean", "normal", "width", "height",
                                         "max_image_pixels", "center_crop_h", "center_crop_w"});
  // Host keys are named, never re-declared with other bounds.
  const std::vector<std::string> source_host_keys{"path", "used_image_num", "used_sample_num",
                                                  "inputs"};
  CHECK(host_keys == source_host_keys);
  for (const char* target : {"input_npy", "input_sequence"}) {
    const auto& other = mnnq::test::inputPluginInfo(target);
    CHECK(other.num_keys == 0);
    std::vector<std::string> names;
    for (uint32_t i = 0; i < other.num_host_keys; ++i) names.push_back(other.host_keys[i]);
    CHECK(names == source_host_keys);
  }
  CHECK(std::string(mnnq::test::inputPluginInfo("input_npy").name) == "npy");
  CHECK(std::string(mnnq::test::inputPluginInfo("input_sequence").name) == "sequence");
}
