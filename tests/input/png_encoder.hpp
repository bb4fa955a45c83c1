// Minimal PNG writer for test inputs stb_image_write cannot produce (16-bit samples, palette):
// one IDAT with uncompressed ("stored") deflate blocks, filter type 0 on every row.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mnnq::test {

// rows: height rows of packed samples (big-endian for 16-bit), without filter bytes.
// palette: RGB triplets for colour type 3.
std::string encodePng(int width, int height, int bitDepth, int colorType,
                      const std::vector<uint8_t>& rows, const std::vector<uint8_t>& palette = {});

}  // namespace mnnq::test
