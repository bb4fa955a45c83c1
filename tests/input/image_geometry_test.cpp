// The resize internals against the valid corner of the NHWC references (see
// image_reference_test.cpp): MNN's reference harness resized with the 128x128 (320x320) corner
// matrix into a tensor it read as only C pixels wide, so each row was one C-pixel tile with
// a different step than a full-width row. Called the same way, mnnq's emulation of MNN's matrix
// and sampler must give the same bytes, which checks the tile arithmetic on its own.
#include "image_preprocess.hpp"
#include "npy_file.hpp"

#include "fixtures.hpp"

#include <stb_image.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <memory>

using mnnq::test::fixture;

TEST_CASE("resize emulation reproduces MNN's narrow-tile reference corners") {
  MNNQ_REQUIRE_FIXTURES();
  struct Model {
    const char* name;
    int size;      // square output of the config
    int channels;  // the reference's last dimension = the tile width MNN used
    float mean;
    float normal;  // channel 0..2 (R, G, B)
  } models[] = {{"blazeface_mp", 128, 3, 127.5f, 0.0078431f}, {"mlsd", 320, 4, 0.0f, 1.0f}};
  const char* images[][2] = {{"faces_ultraface_1.jpg", "faces_ultraface_1"},
                             {"n01530575_brambling.JPEG", "n01530575_brambling"},
                             {"misc_opencv_basketball1.png", "misc_opencv_basketball1"},
                             {"text_opencv_imageTextN.png", "text_opencv_imageTextN"}};
  for (const auto& m : models) {
    for (const auto& img : images) {
      int w = 0, h = 0, comp = 0;
      std::unique_ptr<stbi_uc, void (*)(void*)> px(
          stbi_load(fixture(std::string("images/calib/") + img[0]).c_str(), &w, &h, &comp, 4),
          stbi_image_free);
      REQUIRE(px);
      const auto transform = mnnq::input::calibrationMatrix(0, 0, w, h, m.size, m.size);
      std::vector<uint8_t> corner(std::size_t(m.channels) * m.size * 4);
      mnnq::input::resizeRgbaLikeMnn(px.get(), w, h, transform, m.channels, m.size, corner.data());
      const auto ref = mnnq::input::readNpy(fixture(std::string("references/") + m.name + "/" +
                                                    img[1] + "/input.npy"));
      double maxDiff = 0;
      for (int c = 0; c < 3; ++c)
        for (int y = 0; y < m.size; ++y)
          for (int x = 0; x < m.channels; ++x) {
            const float expected = ref.data[(std::size_t(c) * m.size + y) * m.channels + x];
            const float got = (corner[(std::size_t(y) * m.channels + x) * 4 + c] - m.mean) * m.normal;
            maxDiff = std::max(maxDiff, double(std::fabs(got - expected)));
          }
      INFO(m.name << " / " << img[0]);
      CHECK(maxDiff <= 1e-5);
    }
  }
}
