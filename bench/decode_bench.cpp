// Decoding benchmark behind the input_image plugin's choice of decoder: stb_image (what MNN's
// tool uses) against libjpeg-turbo, on the fixture JPEGs, decoding to RGBA8 as the plugin needs.
// Measured on the 248 fixture JPEGs (x86-64, -O2): stb_image 9.2 ms/image, libjpeg-turbo 6.1
// ms/image (1.5x faster), but 2.6% of the bytes differ (up to 49 levels): stb_image stays.
// It also counts pixels where the two decoders disagree (preprocessing must equal MNN's, so a
// faster decoder is only usable if it gives stb's bytes).
//
// Not part of the CMake build (Debian libjpeg62-turbo-dev is a benchmark-only dependency):
//   g++ -O2 -std=c++17 -I/usr/include/stb bench/decode_bench.cpp
//       /usr/lib/x86_64-linux-gnu/libstb.a -ljpeg -o /tmp/decode_bench   (one line)
//   /tmp/decode_bench ../shared/fixtures/images/calib [repeats]
#include <stb_image.h>

#include <cstdio>
#include <jpeglib.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

std::vector<unsigned char> readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<unsigned char>(std::istreambuf_iterator<char>(in), {});
}

std::vector<unsigned char> decodeTurbo(const std::vector<unsigned char>& bytes, int* w, int* h) {
  jpeg_decompress_struct cinfo;
  jpeg_error_mgr err;
  cinfo.err = jpeg_std_error(&err);
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, bytes.data(), bytes.size());
  jpeg_read_header(&cinfo, TRUE);
  cinfo.out_color_space = JCS_EXT_RGBA;
  jpeg_start_decompress(&cinfo);
  *w = static_cast<int>(cinfo.output_width);
  *h = static_cast<int>(cinfo.output_height);
  std::vector<unsigned char> out(static_cast<std::size_t>(*w) * *h * 4);
  while (cinfo.output_scanline < cinfo.output_height) {
    unsigned char* row = out.data() + static_cast<std::size_t>(cinfo.output_scanline) * *w * 4;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string folder = argc > 1 ? argv[1] : "../shared/fixtures/images/calib";
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 3;
  std::vector<std::vector<unsigned char>> files;
  for (const auto& e : std::filesystem::directory_iterator(folder)) {
    auto ext = e.path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
    if (ext == ".jpg" || ext == ".jpeg") files.push_back(readAll(e.path().string()));
  }
  using clock = std::chrono::steady_clock;
  double stbSeconds = 0, turboSeconds = 0;
  std::size_t pixels = 0, differing = 0, maxDelta = 0;
  for (int r = 0; r < repeats; ++r) {
    for (const auto& bytes : files) {
      int w = 0, h = 0, c = 0, tw = 0, th = 0;
      auto t0 = clock::now();
      unsigned char* s = stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &w, &h, &c, 4);
      auto t1 = clock::now();
      auto t = decodeTurbo(bytes, &tw, &th);
      auto t2 = clock::now();
      stbSeconds += std::chrono::duration<double>(t1 - t0).count();
      turboSeconds += std::chrono::duration<double>(t2 - t1).count();
      if (r == 0 && s && w == tw && h == th) {
        for (std::size_t i = 0; i < static_cast<std::size_t>(w) * h * 4; ++i) {
          const int d = std::abs(int(s[i]) - int(t[i]));
          differing += d != 0;
          maxDelta = std::max<std::size_t>(maxDelta, d);
        }
        pixels += static_cast<std::size_t>(w) * h * 4;
      }
      stbi_image_free(s);
    }
  }
  const double n = static_cast<double>(files.size()) * repeats;
  std::printf("%zu JPEGs x %d: stb_image %.2f ms/image, libjpeg-turbo %.2f ms/image (%.2fx)\n",
              files.size(), repeats, 1e3 * stbSeconds / n, 1e3 * turboSeconds / n,
              stbSeconds / turboSeconds);
  std::printf("bytes differing between the decoders: %.2f%% (max difference %zu)\n",
              100.0 * differing / std::max<std::size_t>(pixels, 1), maxDelta);
}
