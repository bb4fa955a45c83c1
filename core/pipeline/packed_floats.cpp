#include "packed_floats.hpp"

#include <algorithm>
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
  // A slot holds stamp << 40 | palette index << 32 | bit pattern; it is in use when its stamp is
  // the current segment's, so starting a segment empties the table without clearing it, and one
  // load and one masked comparison find a value and its index.
  constexpr int kStampShift = 40;
  constexpr std::uint64_t kNotIndex = ~(std::uint64_t(0xff) << 32);
  std::uint64_t slots[kSlots] = {};
  std::uint64_t stamp = 0;  // already shifted
  std::uint32_t palette[kPaletteLimit];

  indices_.resize(count);
  std::size_t used = 0;  // indices_ in use
  for (std::size_t pos = 0; pos < count;) {
    stamp += std::uint64_t(1) << kStampShift;
    if (stamp == 0) {  // wrapped after 2^24 segments: clear once, restart the stamps
      std::fill(slots, slots + kSlots, std::uint64_t(0));
      stamp = std::uint64_t(1) << kStampShift;
    }
    std::uint8_t* out = indices_.data() + used;
    std::uint32_t size = 0;
    std::size_t k = pos;
    for (; k < count; ++k) {
      const std::uint32_t b = bitsOf(data + k);
      const std::uint64_t key = stamp | b;
      std::uint32_t h = (b * 0x9E3779B1u) >> (32 - kTableBits);
      std::uint64_t slot = slots[h];
      while ((slot & kNotIndex) != key && (slot >> kStampShift) == (stamp >> kStampShift)) {
        h = (h + 1) & (kSlots - 1);
        slot = slots[h];
      }
      if ((slot & kNotIndex) != key) {
        if (size == kPaletteLimit) break;  // the 257th value starts the next segment
        slot = key | (std::uint64_t(size) << 32);
        slots[h] = slot;
        palette[size++] = b;
      }
      out[k - pos] = static_cast<std::uint8_t>(slot >> 32);
    }
    const std::size_t length = k - pos;
    // Palette + indices must at least halve the raw size: 4 * size + length <= 2 * length.
    if (4 * std::size_t(size) <= length) {
      segments_.push_back({length, used, static_cast<std::uint32_t>(palette_.size()), size});
      palette_.insert(palette_.end(), palette, palette + size);
      used += length;
    } else {
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
