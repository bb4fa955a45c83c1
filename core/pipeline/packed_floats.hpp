// Lossless compact copy of a float array whose values repeat a lot, for the decoded samples the
// sample feed keeps between passes.
//
// Why: an image input is (pixel - mean[c]) * normal[c] of uint8 pixels, so each channel holds at
// most 256 distinct floats; kept as float, the 251 photos of the 320x240 face detector take
// 231 MB, most of a KL or ADMM run's peak memory. Here the array is cut into segments of at
// most 256 distinct values, each stored as a palette of those values (their bit patterns) plus
// one byte per element: a planar RGB image ends up at about a quarter of its float size.
// Segments where a palette would not at least halve the size (noise, npy tensors of arbitrary
// values) are stored as they are, so the packed form is never much larger than the floats.
// Values are compared and restored as bit patterns: NaN payloads, -0.0 and infinities come
// back exactly, so unpacking gives the very bytes that were packed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mnnq {

class PackedFloats {
 public:
  PackedFloats() = default;
  PackedFloats(const float* data, std::size_t count);

  // Writes the count() values, bit for bit as given to the constructor.
  void unpack(float* out) const;

  std::size_t count() const { return count_; }
  // Heap bytes held (what the sample cache charges against its budget).
  std::size_t bytes() const;

 private:
  struct Segment {
    std::size_t length;         // elements
    std::size_t offset;         // into indices_ (palette) or raw_ (raw)
    std::uint32_t palette_begin;
    std::uint32_t palette_size;  // 0: raw segment
  };
  void addRaw(const float* data, std::size_t length);

  std::size_t count_ = 0;
  std::vector<Segment> segments_;
  std::vector<std::uint32_t> palette_;  // bit patterns
  std::vector<std::uint8_t> indices_;
  std::vector<float> raw_;
};

}  // namespace mnnq
