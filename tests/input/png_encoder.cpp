#include "png_encoder.hpp"

namespace mnnq::test {
namespace {

uint32_t crc32(const std::string& bytes) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : bytes) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
  }
  return c ^ 0xFFFFFFFFu;
}

void putBE32(std::string& s, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<char>((v >> shift) & 0xFF));
}

void chunk(std::string& png, const char* type, const std::string& data) {
  putBE32(png, static_cast<uint32_t>(data.size()));
  std::string body = std::string(type, 4) + data;
  png += body;
  putBE32(png, crc32(body));
}

}  // namespace

std::string encodePng(int width, int height, int bitDepth, int colorType,
                      const std::vector<uint8_t>& rows, const std::vector<uint8_t>& palette) {
  std::string png("\x89PNG\r\n\x1a\n", 8);
  std::string ihdr;
  putBE32(ihdr, static_cast<uint32_t>(width));
  putBE32(ihdr, static_cast<uint32_t>(height));
  ihdr += {static_cast<char>(bitDepth), static_cast<char>(colorType), 0, 0, 0};
  chunk(png, "IHDR", ihdr);
  if (!palette.empty()) chunk(png, "PLTE", std::string(palette.begin(), palette.end()));

  // Raw scanlines: a 0 (no filter) byte before each row.
  const std::size_t rowBytes = rows.size() / static_cast<std::size_t>(height);
  std::string raw;
  for (int y = 0; y < height; ++y) {
    raw.push_back(0);
    raw.append(reinterpret_cast<const char*>(rows.data()) + y * rowBytes, rowBytes);
  }
  // zlib stream of stored blocks (at most 65535 bytes each) + Adler-32.
  std::string z("\x78\x01", 2);
  for (std::size_t pos = 0; pos < raw.size() || pos == 0; pos += 65535) {
    const std::size_t n = std::min<std::size_t>(65535, raw.size() - pos);
    const bool last = pos + n >= raw.size();
    z.push_back(last ? 1 : 0);
    z.push_back(static_cast<char>(n & 0xFF));
    z.push_back(static_cast<char>(n >> 8));
    z.push_back(static_cast<char>(~n & 0xFF));
    z.push_back(static_cast<char>((~n >> 8) & 0xFF));
    z.append(raw, pos, n);
    if (last) break;
  }
  uint32_t a = 1, b = 0;
  for (unsigned char c : raw) {
    a = (a + c) % 65521;
    b = (b + a) % 65521;
  }
  putBE32(z, (b << 16) | a);
  chunk(png, "IDAT", z);
  chunk(png, "IEND", "");
  return png;
}

}  // namespace mnnq::test
