// The image plugin's tensors against the inputs MNN's own preprocessing produced for the shared
// fixtures (references/<model>/<image>/input.npy, made with MNN 3.6.1 on x86).
//
// Fixture caveat, found while writing these tests: for the two NHWC models (blazeface_mp, mlsd)
// the reference harness fed MNN's ImageProcess an NHWC tensor that MNN treated as NCHW, so their
// input.npy holds real pixels only in a small corner ([channel][row][column < C] of the NCHW
// reading, resized with a C-pixel-wide tile) and uninitialised memory elsewhere (NaN, 3e38).
// image_geometry_test.cpp checks that corner; here blazeface_mp is checked in full against the
// pixels of blazeface_tf's reference (same size and format, so the same uint8 pixels), and the
// NHWC tensor against the NCHW one.
#include "input_plugin_under_test.hpp"
#include "npy_file.hpp"

#include "fixtures.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <fstream>

using mnnq::test::fixture;
using mnnq::test::InputSourceUnderTest;
using mnnq::test::ModelInputSpec;

namespace {

nlohmann::json readJson(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  nlohmann::json j;
  in >> j;
  return j;
}

int formatChannels(const std::string& format) {
  return format == "GRAY" ? 1 : (format == "RGBA" || format == "BGRA") ? 4 : 3;
}

// Fixture config with `path` made absolute (it is relative to the config's folder).
nlohmann::json configFor(const std::string& model) {
  nlohmann::json cfg = readJson(fixture("configs/" + model + ".json"));
  cfg["path"] = fixture("images/calib");
  cfg.erase("model");
  return cfg;
}

// The model input as the host would describe it: shape from references.json, layout NHWC when
// the last dimension is the channel count (blazeface_mp, mlsd), NCHW otherwise.
ModelInputSpec modelInput(const nlohmann::json& reference, int channels) {
  ModelInputSpec in;
  in.name = "input";
  for (const auto& d : reference.at("input_shape")) in.dims.push_back(d.get<int32_t>());
  const bool nhwc = in.dims[3] == channels && in.dims[1] != channels;
  in.layout = nhwc ? MNNQ_LAYOUT_NHWC : MNNQ_LAYOUT_NCHW;
  return in;
}

uint64_t sampleIndex(const InputSourceUnderTest& source, const std::string& file) {
  for (uint64_t i = 0; i < source.count(); ++i)
    if (source.name(i) == file) return i;
  FAIL("sample " << file << " not listed");
  return 0;
}

std::vector<float> loadOne(const InputSourceUnderTest& source, const std::string& file) {
  std::vector<std::vector<float>> out;
  const auto r = source.load(sampleIndex(source, file), out);
  INFO(r.message);
  REQUIRE(r.status == MNNQ_OK);
  return out[0];
}

}  // namespace

TEST_CASE("image input equals MNN's reference input for every NCHW model and image") {
  MNNQ_REQUIRE_FIXTURES();
  for (const char* model : {"rfb320", "rfb320_onnx", "blazeface_tf", "ppocr_cls", "mnist"}) {
    const auto cfg = configFor(model);
    const auto refs = readJson(fixture(std::string("references/") + model + "/references.json"));
    double modelMax = 0;
    for (const auto& ref : refs) {
      const ModelInputSpec in = modelInput(ref, formatChannels(cfg.at("format")));
      REQUIRE(in.layout == MNNQ_LAYOUT_NCHW);
      InputSourceUnderTest source("input_image", cfg, {in});
      REQUIRE(source.shape(0) == in.dims);
      const auto expected = mnnq::input::readNpy(fixture(std::string("references/") + model + "/" +
                                                         ref.at("dir").get<std::string>() +
                                                         "/input.npy"));
      const auto got = loadOne(source, ref.at("image"));
      REQUIRE(got.size() == expected.data.size());
      double maxDiff = 0;
      for (std::size_t i = 0; i < got.size(); ++i)
        maxDiff = std::max(maxDiff, double(std::fabs(got[i] - expected.data[i])));
      INFO(model << " / " << ref.at("image").get<std::string>());
      CHECK(maxDiff <= 1e-5);
      modelMax = std::max(modelMax, maxDiff);
    }
    std::printf("%-12s max |mnnq - MNN| over %zu reference images: %g\n", model, refs.size(),
                modelMax);
  }
}

TEST_CASE("NHWC inputs hold the NCHW values with channels interleaved") {
  MNNQ_REQUIRE_FIXTURES();
  for (const char* model : {"blazeface_mp", "mlsd"}) {
    const auto cfg = configFor(model);
    const int channels = formatChannels(cfg.at("format"));
    const int width = cfg.at("width"), height = cfg.at("height");
    const auto refs = readJson(fixture(std::string("references/") + model + "/references.json"));
    const auto& ref = refs.at(0);
    const ModelInputSpec nhwc = modelInput(ref, channels);
    REQUIRE(nhwc.layout == MNNQ_LAYOUT_NHWC);
    const ModelInputSpec nchw{"input", {1, channels, height, width}, MNNQ_LAYOUT_NCHW};
    InputSourceUnderTest nhwcSource("input_image", cfg, {nhwc});
    InputSourceUnderTest nchwSource("input_image", cfg, {nchw});
    REQUIRE(nhwcSource.shape(0) == nhwc.dims);
    REQUIRE(nchwSource.shape(0) == nchw.dims);
    const auto planar = loadOne(nchwSource, ref.at("image"));
    const auto interleaved = loadOne(nhwcSource, ref.at("image"));
    bool sameValues = true;
    for (int c = 0; c < channels; ++c)
      for (std::size_t p = 0; p < std::size_t(width) * height; ++p)
        sameValues = sameValues && interleaved[p * channels + c] == planar[c * width * height + p];
    INFO(model);
    CHECK(sameValues);
  }
}

TEST_CASE("blazeface_mp (NHWC) equals the pixels of MNN's blazeface_tf reference, renormalised") {
  MNNQ_REQUIRE_FIXTURES();
  // Both configs resize to 128x128 RGB, so MNN's uint8 pixels are identical; only mean/normal
  // differ. Pixels are recovered exactly from blazeface_tf's input: p = x / 0.0078 + 127.5.
  const auto cfgTf = configFor("blazeface_tf");
  const auto cfgMp = configFor("blazeface_mp");
  REQUIRE(cfgTf.at("width") == cfgMp.at("width"));
  REQUIRE(cfgTf.at("format") == cfgMp.at("format"));
  const float meanTf = cfgTf.at("mean")[0], normalTf = cfgTf.at("normal")[0];
  const auto refs = readJson(fixture("references/blazeface_mp/references.json"));
  for (const auto& ref : refs) {
    const auto tf = mnnq::input::readNpy(fixture("references/blazeface_tf/" +
                                                 ref.at("dir").get<std::string>() + "/input.npy"));
    InputSourceUnderTest source("input_image", cfgMp, {modelInput(ref, 3)});
    const auto got = loadOne(source, ref.at("image"));
    const int plane = 128 * 128;
    double maxDiff = 0;
    for (int c = 0; c < 3; ++c) {
      const float mean = cfgMp.at("mean")[c], normal = cfgMp.at("normal")[c];
      for (int p = 0; p < plane; ++p) {
        const float pixel = std::round(tf.data[c * plane + p] / normalTf + meanTf);
        const float expected = (pixel - mean) * normal;
        maxDiff = std::max(maxDiff, double(std::fabs(got[p * 3 + c] - expected)));
      }
    }
    INFO(ref.at("image").get<std::string>());
    CHECK(maxDiff <= 1e-5);
  }
}
