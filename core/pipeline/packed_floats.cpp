#include "packed_floats.hpp"

#include <cstring>

namespace mnnq {
namespace {

constexpr std::uint32_t kPaletteLimit = 256;  // one byte per element
// Open-addressing table from bit pattern to palette index: 1024 slots, at most a quarter full.
constexpr int kTableBits = 10;
constexpr std::uint32_t kSlots = 1u << kTableBits;

inline std::uint32_t bitsOf(const float* p) {
  std::uint32_t b;
  std::memcpy(&b, p, sizeof b);
  return b;
}

}  // namespace

PackedFloats::PackedFloats(const float* data, std::size_t count) : count_(count) {
  if (count == 0) return;
  // A slot holds (stamp << 32 | bit pattern); it is in use when its stamp is the current
  // segment's, so starting a segment empties the table without clearing it, and one 64-bit
  // comparison finds a value.
  std::uint64_t slots[kSlots] = {};
  std::uint8_t slot_index[kSlots];
  std::uint64_t stamp = 0;

  indices_.resize(count);
  std::size_t used = 0;  // indices_ in use
  for (std::size_t pos = 0; pos < count;) {
    stamp += std::uint64_t(1) << 32;  // wraps after 2^32 segments, i.e. never (>= 1 element each)
    const std::uint32_t palette_begin = static_cast<std::uint32_t>(palette_.size());
    std::uint8_t* out = indices_.data() + used;
    std::uint32_t size = 0;
    std::size_t k = pos;
    for (; k < count; ++k) {
      const std::uint32_t b = bitsOf(data + k);
      const std::uint64_t key = stamp | b;
      std::uint32_t h = (b * 0x9E3779B1u) >> (32 - kTableBits);
      while (slots[h] != key && (slots[h] & ~std::uint64_t(0xffffffffu)) == stamp)
        h = (h + 1) & (kSlots - 1);
      if (slots[h] != key) {
        if (size == kPaletteLimit) break;  // the 257th value starts the next segment
        slots[h] = key;
        slot_index[h] = static_cast<std::uint8_t>(size++);
        palette_.push_back(b);
      }
      out[k - pos] = slot_index[h];
    }
    const std::size_t length = k - pos;
    // Palette + indices must at least halve the raw size: 4 * size + length <= 2 * length.
    if (4 * std::size_t(size) <= length) {
      segments_.push_back({length, used, palette_begin, size});
      used += length;
    } else {
      palette_.resize(palette_begin);
      addRaw(data + pos, length);
    }
    pos = k;
  }
  indices_.resize(used);
  indices_.shrink_to_fit();
  palette_.shrink_to_fit();
  segments_.shrink_to_fit();
  raw_.shrink_to_fit();
}

void PackedFloats::addRaw(const float* data, std::size_t length) {
  if (!segments_.empty() && segments_.back().palette_size == 0)
    segments_.back().length += length;  // raw segments are contiguous in raw_: merge
  else
    segments_.push_back({length, raw_.size(), 0, 0});
  raw_.insert(raw_.end(), data, data + length);
}

void PackedFloats::unpack(float* out) const {
  for (const Segment& s : segments_) {
    if (s.palette_size == 0) {
      std::memcpy(out, raw_.data() + s.offset, s.length * sizeof(float));
    } else {
      const std::uint32_t* palette = palette_.data() + s.palette_begin;
      const std::uint8_t* index = indices_.data() + s.offset;
      for (std::size_t k = 0; k < s.length; ++k)
        std::memcpy(out + k, palette + index[k], sizeof(float));
    }
    out += s.length;
  }
}

std::size_t PackedFloats::bytes() const {
  return segments_.capacity() * sizeof(Segment) + palette_.capacity() * sizeof(std::uint32_t) +
         indices_.capacity() + raw_.capacity() * sizeof(float);
}

}  // namespace mnnq
