#include "image_preprocess.hpp"

#include <stdexcept>
#include <vector>

namespace mnnq::input {

int channelCount(PixelFormat format) {
  switch (format) {
    case PixelFormat::kRGB:
    case PixelFormat::kBGR:
      return 3;
    case PixelFormat::kRGBA:
    case PixelFormat::kBGRA:
      return 4;
    case PixelFormat::kGray:
      return 1;
  }
  return 0;
}

bool parsePixelFormat(const std::string& text, PixelFormat* format) {
  static const struct {
    const char* name;
    PixelFormat format;
  } kNames[] = {{"RGB", PixelFormat::kRGB},
                {"BGR", PixelFormat::kBGR},
                {"RGBA", PixelFormat::kRGBA},
                {"BGRA", PixelFormat::kBGRA},
                {"GRAY", PixelFormat::kGray}};
  for (const auto& n : kNames) {
    if (text == n.name) {
      *format = n.format;
      return true;
    }
  }
  return false;
}

namespace {

// Destination channel values of one RGBA8 pixel (MNN's blitters; GRAY uses MNN's integer weights).
int convertPixel(const uint8_t* p, PixelFormat format, uint8_t* v) {
  switch (format) {
    case PixelFormat::kRGB:
      v[0] = p[0], v[1] = p[1], v[2] = p[2];
      return 3;
    case PixelFormat::kBGR:
      v[0] = p[2], v[1] = p[1], v[2] = p[0];
      return 3;
    case PixelFormat::kRGBA:
      v[0] = p[0], v[1] = p[1], v[2] = p[2], v[3] = p[3];
      return 4;
    case PixelFormat::kBGRA:
      v[0] = p[2], v[1] = p[1], v[2] = p[0], v[3] = p[3];
      return 4;
    case PixelFormat::kGray:
      v[0] = static_cast<uint8_t>((19 * p[0] + 38 * p[1] + 7 * p[2]) >> 6);
      return 1;
  }
  return 0;
}

}  // namespace

void preprocessLikeMnn(const uint8_t* rgba, int w, int h, const PreprocessParams& params,
                       bool channelsLast, float* out) {
  // int(H0 * fraction) with the product in float, as MNN writes it.
  const int cropH = static_cast<int>(static_cast<float>(h) * params.centerCropH);
  const int cropW = static_cast<int>(static_cast<float>(w) * params.centerCropW);
  if (cropH <= 0 || cropW <= 0)
    throw std::runtime_error("the centre crop of this " + std::to_string(w) + "x" +
                             std::to_string(h) + " image is empty");
  const int x0 = (w - cropW) / 2;
  const int y0 = (h - cropH) / 2;
  const int ow = params.width, oh = params.height;
  const MnnMatrix transform = calibrationMatrix(x0, y0, cropW, cropH, ow, oh);

  std::vector<uint8_t> resized(static_cast<std::size_t>(ow) * oh * 4);
  resizeRgbaLikeMnn(rgba, w, h, transform, ow, oh, resized.data());

  const int channels = channelCount(params.format);
  const std::size_t plane = static_cast<std::size_t>(ow) * oh;
  uint8_t v[4];
  for (std::size_t i = 0; i < plane; ++i) {
    convertPixel(&resized[4 * i], params.format, v);
    for (int c = 0; c < channels; ++c) {
      const float value = (static_cast<float>(v[c]) - params.mean[c]) * params.normal[c];
      if (channelsLast)
        out[i * channels + c] = value;
      else
        out[c * plane + i] = value;
    }
  }
}

}  // namespace mnnq::input
