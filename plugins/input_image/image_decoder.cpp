#include "image_decoder.hpp"

#include "mnnq/core/regular_file.hpp"

#include <mnnq/plugin.hpp>

#include <stb_image.h>

#include <fstream>
#include <vector>

namespace mnnq::input {

bool jpegIsComplete(const uint8_t* d, std::size_t n) {
  // Walk the marker segments from SOI; inside entropy-coded data a 0xFF byte is followed by 0x00
  // (stuffing) or a restart marker, anything else is the next marker. Segment lengths let us
  // jump over APPn payloads (which may hold a complete thumbnail JPEG).
  if (n < 4 || d[0] != 0xFF || d[1] != 0xD8) return false;
  std::size_t pos = 2;
  while (pos + 1 < n) {
    if (d[pos] != 0xFF) return false;  // garbage where a marker must be
    while (pos + 1 < n && d[pos + 1] == 0xFF) ++pos;  // fill bytes
    if (pos + 1 >= n) return false;
    const uint8_t marker = d[pos + 1];
    pos += 2;
    if (marker == 0xD9) return true;                                  // EOI
    if ((marker >= 0xD0 && marker <= 0xD7) || marker == 0x01) continue;  // no payload
    if (pos + 2 > n) return false;
    const std::size_t len = (std::size_t(d[pos]) << 8) | d[pos + 1];
    if (len < 2) return false;
    pos += len;
    if (marker != 0xDA) continue;  // not SOS: next marker follows the segment
    while (pos + 1 < n) {          // entropy-coded data up to the next real marker
      if (d[pos] == 0xFF) {
        const uint8_t next = d[pos + 1];
        if (next == 0x00 || (next >= 0xD0 && next <= 0xD7)) {
          pos += 2;
          continue;
        }
        if (next == 0xFF) {
          ++pos;
          continue;
        }
        break;
      }
      ++pos;
    }
  }
  return false;
}

RgbaImage decodeRgba(const std::string& path, int64_t maxPixels) {
  const std::string irregular = notRegularFileReason(path);
  if (!irregular.empty()) throw sdk::SkipSample(irregular);
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw sdk::SkipSample("cannot open file");
  const std::streamoff size = in.tellg();
  if (size <= 0) throw sdk::SkipSample("empty file (0 bytes)");
  if (size > (std::streamoff(1) << 31)) throw sdk::SkipSample("file larger than 2 GiB");
  std::vector<uint8_t> bytes(static_cast<std::size_t>(size));
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), size))
    throw sdk::SkipSample("read error");
  if (bytes.size() >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF &&
      !jpegIsComplete(bytes.data(), bytes.size()))
    throw sdk::SkipSample("truncated JPEG (the data ends before the end-of-image marker)");

  int w = 0, h = 0, comp = 0;
  const int len = static_cast<int>(bytes.size());
  if (!stbi_info_from_memory(bytes.data(), len, &w, &h, &comp))
    throw sdk::SkipSample(std::string("not an image stb_image can decode (") +
                          stbi_failure_reason() + ")");
  // The header's size, checked before stb_image allocates the decoded image.
  if (w <= 0 || h <= 0) throw sdk::SkipSample("image header gives an empty size");
  if (int64_t(w) * h > maxPixels)
    throw sdk::SkipSample("image is " + std::to_string(w) + "x" + std::to_string(h) + " = " +
                          std::to_string(int64_t(w) * h) + " pixels, more than max_image_pixels (" +
                          std::to_string(maxPixels) + ")");
  stbi_uc* pixels = stbi_load_from_memory(bytes.data(), len, &w, &h, &comp, 4);
  if (!pixels)
    throw sdk::SkipSample(std::string("cannot decode image: ") + stbi_failure_reason());
  RgbaImage image;
  image.width = w;
  image.height = h;
  image.pixels = std::unique_ptr<uint8_t, void (*)(void*)>(pixels, &stbi_image_free);
  return image;
}

}  // namespace mnnq::input
