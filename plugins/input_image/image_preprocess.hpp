// MNN's image preprocessing for calibration, from decoded RGBA8 pixels to the float tensor:
// centre crop (sizes truncated), corner-aligned bilinear resize to uint8 (mnn_resize.hpp),
// colour conversion, then (v - mean[c]) * normal[c], written in the model input's layout.
#pragma once

#include "mnn_resize.hpp"

#include <cstdint>
#include <string>

namespace mnnq::input {

enum class PixelFormat { kRGB, kBGR, kRGBA, kBGRA, kGray };

int channelCount(PixelFormat format);
// Accepts exactly "RGB", "BGR", "RGBA", "BGRA", "GRAY"; false otherwise.
bool parsePixelFormat(const std::string& text, PixelFormat* format);

struct PreprocessParams {
  PixelFormat format = PixelFormat::kBGR;
  float mean[4] = {0, 0, 0, 0};
  float normal[4] = {1, 1, 1, 1};
  int width = 0;   // output size
  int height = 0;
  float centerCropW = 1.0f;  // fraction of the source kept, in (0, 1]
  float centerCropH = 1.0f;
};

// out: channelCount * width * height floats, [C,H,W] or (channelsLast) [H,W,C].
// Throws std::runtime_error if the crop of this image is empty.
void preprocessLikeMnn(const uint8_t* rgba, int w, int h, const PreprocessParams& params,
                       bool channelsLast, float* out);

}  // namespace mnnq::input
