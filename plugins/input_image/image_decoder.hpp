// Decoding of one image file to RGBA8 with stb_image (the decoder MNN's tool uses, so pixels
// match MNN's). Problems are reported as mnnq::sdk::SkipSample with the reason.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace mnnq::input {

struct RgbaImage {
  int width = 0;
  int height = 0;
  std::unique_ptr<uint8_t, void (*)(void*)> pixels{nullptr, nullptr};  // width*height*4
};

// Throws SkipSample: not a regular file, empty, unreadable, truncated JPEG, more than maxPixels
// pixels (from the header, before decoding), or not a format stb_image decodes.
RgbaImage decodeRgba(const std::string& path, int64_t maxPixels);

// True if a JPEG byte stream reaches its end-of-image marker (stb_image silently decodes
// truncated JPEGs with grey/garbage fill; a calibration sample like that is better skipped).
bool jpegIsComplete(const uint8_t* data, std::size_t size);

}  // namespace mnnq::input
