// The image plugin's tensors against the inputs MNN's own preprocessing produced for the shared
// fixtures (references/<model>/<image>/input.npy, made with MNN 3.6.1 on x86): for every model
// and reference image, the whole tensor must be the same bytes. The two channels-last models
// (blazeface_mp [1,128,128,3], mlsd [1,320,320,4]) are fed H,W,C interleaved, as the model
// expects; their references hold that interleaved input (fixtures README, note of 2026-12).
#include "input_plugin_under_test.hpp"
#include "npy_file.hpp"

#include "fixtures.hpp"

#include <catch2/catch.hpp>

#include <cstring>
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

TEST_CASE("image input equals MNN's reference input.npy exactly, every model and image") {
  MNNQ_REQUIRE_FIXTURES();
  struct ModelCase {
    const char* name;
    int layout;  // the layout the fixtures README gives for the model's input
  } models[] = {{"rfb320", MNNQ_LAYOUT_NCHW},       {"rfb320_onnx", MNNQ_LAYOUT_NCHW},
                {"blazeface_tf", MNNQ_LAYOUT_NCHW}, {"ppocr_cls", MNNQ_LAYOUT_NCHW},
                {"mnist", MNNQ_LAYOUT_NCHW},        {"blazeface_mp", MNNQ_LAYOUT_NHWC},
                {"mlsd", MNNQ_LAYOUT_NHWC}};
  for (const auto& model : models) {
    const auto cfg = configFor(model.name);
    const auto refs = readJson(fixture(std::string("references/") + model.name + "/references.json"));
    REQUIRE(refs.size() >= 1);
    for (const auto& ref : refs) {
      INFO(model.name << " / " << ref.at("image").get<std::string>());
      const ModelInputSpec in = modelInput(ref, formatChannels(cfg.at("format")));
      REQUIRE(in.layout == model.layout);
      InputSourceUnderTest source("input_image", cfg, {in});
      REQUIRE(source.shape(0) == in.dims);
      const auto expected = mnnq::input::readNpy(fixture(std::string("references/") + model.name +
                                                         "/" + ref.at("dir").get<std::string>() +
                                                         "/input.npy"));
      REQUIRE(expected.shape == std::vector<int64_t>(in.dims.begin(), in.dims.end()));
      const auto got = loadOne(source, ref.at("image"));
      REQUIRE(got.size() == expected.data.size());
      std::size_t differing = 0, firstDiff = got.size();
      for (std::size_t i = 0; i < got.size(); ++i)
        if (std::memcmp(&got[i], &expected.data[i], sizeof(float)) != 0) {
          if (differing++ == 0) firstDiff = i;
        }
      INFO(differing << " of " << got.size() << " values differ; first at flat index " << firstDiff);
      CHECK(differing == 0);
    }
  }
}
