#include "mnnq/core/idst_codec.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace mnnq {
namespace {

// Packs `count` fields of `bits` bits, first field in the most significant bits of byte 0.
std::vector<uint8_t> packBits(const std::vector<uint8_t>& fields, int bits) {
  std::vector<uint8_t> out((fields.size() * static_cast<size_t>(bits) + 7) / 8, 0);
  size_t bit = 0;
  for (uint8_t field : fields) {
    for (int b = bits - 1; b >= 0; --b, ++bit) {
      if ((field >> b) & 1u) out[bit / 8] |= static_cast<uint8_t>(0x80u >> (bit % 8));
    }
  }
  return out;
}

// Smallest number of bits that can index `count` table entries (at least 1).
int indexBits(uint32_t count) {
  int bits = 1;
  while ((1u << bits) < count) ++bits;
  return bits;
}

void checkArgs(const int8_t* values, uint64_t kernel_num, uint64_t area, int bits) {
  if (bits < 1 || bits > 8) throw std::invalid_argument("IDST encoding: bits must be 1..8, got " + std::to_string(bits));
  const int lo = -(1 << (bits - 1)), hi = (1 << (bits - 1)) - 1;
  const uint64_t count = kernel_num * area;
  for (uint64_t i = 0; i < count; ++i) {
    if (values[i] < lo || values[i] > hi) {
      std::ostringstream os;
      os << "IDST encoding: weight #" << i << " = " << int(values[i]) << " is outside the " << bits << "-bit range ["
         << lo << ", " << hi << "]";
      throw std::invalid_argument(os.str());
    }
  }
  if (kernel_num > 0xFFFFFFFFu || area > 0xFFFFFFFFu) throw std::invalid_argument("IDST encoding: dimension exceeds 32 bits");
}

class Writer {
 public:
  void byte(uint8_t v) { out_.push_back(static_cast<int8_t>(v)); }
  void u16(uint16_t v) { byte(v & 0xFF); byte(v >> 8); }
  void u32(uint32_t v) { for (int i = 0; i < 4; ++i) byte((v >> (8 * i)) & 0xFF); }
  void bytes(const std::vector<uint8_t>& v) { for (uint8_t b : v) byte(b); }
  // Returns whether uint32 dims were needed.
  bool dims(uint64_t kernel_num, uint64_t area) {
    byte(2);
    bool wide = kernel_num > 0xFFFF || area > 0xFFFF;
    for (uint64_t d : {kernel_num, area}) {
      if (wide) u32(static_cast<uint32_t>(d)); else u16(static_cast<uint16_t>(d));
    }
    return wide;
  }
  // N (256 stored as 0) and the ascending linear table.
  void linearTable(int bits) {
    const int n = 1 << bits;
    byte(static_cast<uint8_t>(n & 0xFF));
    for (int i = 0; i < n; ++i) byte(static_cast<uint8_t>(i - n / 2));
  }
  std::vector<int8_t> take() { return std::move(out_); }

 private:
  std::vector<int8_t> out_;
};

// Entries of the sparse form for a given step width: (step, biased value) pairs.
struct SparseEntries {
  std::vector<uint8_t> steps;
  std::vector<uint8_t> values;
};

SparseEntries sparseEntries(const int8_t* values, uint64_t count, int stepBits, int bits) {
  SparseEntries e;
  const uint64_t maxStep = (1u << stepBits) - 1;
  const int offset = 1 << (bits - 1);
  uint64_t prev = 0;
  for (uint64_t i = 0; i < count; ++i) {
    if (values[i] != 0) {
      e.steps.push_back(static_cast<uint8_t>(i - prev));
      e.values.push_back(static_cast<uint8_t>(values[i] + offset));
      prev = i;
    }
    // A run of zeros longer than a step can express is bridged by an explicit zero entry.
    if (i - prev >= maxStep) {
      e.steps.push_back(static_cast<uint8_t>(i - prev));
      e.values.push_back(static_cast<uint8_t>(offset));
      prev = i;
    }
  }
  return e;
}

class Reader {
 public:
  Reader(const int8_t* data, size_t size) : data_(reinterpret_cast<const uint8_t*>(data)), size_(size) {}
  const uint8_t* take(size_t n, const char* what) {
    if (n > size_ - pos_) {
      std::ostringstream os;
      os << "IDST buffer truncated: " << what << " needs " << n << " bytes at offset " << pos_ << ", only "
         << size_ - pos_ << " left";
      throw std::invalid_argument(os.str());
    }
    const uint8_t* p = data_ + pos_;
    pos_ += n;
    return p;
  }
  uint8_t byte(const char* what) { return *take(1, what); }
  uint32_t u32(const char* what) {
    const uint8_t* p = take(4, what);
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
  }
  std::vector<uint32_t> dims(bool wide) {
    uint8_t ndim = byte("dimension count");
    if (ndim == 0 || ndim > 4) throw std::invalid_argument("IDST buffer: dimension count " + std::to_string(ndim) + " (expected 1..4)");
    std::vector<uint32_t> d(ndim);
    for (auto& v : d) {
      const uint8_t* p = take(wide ? 4 : 2, "dimensions");
      v = wide ? (uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24)
               : (uint32_t(p[0]) | uint32_t(p[1]) << 8);
    }
    return d;
  }
  std::vector<int8_t> table() {
    uint32_t n = byte("table size");
    if (n == 0) n = 256;
    const uint8_t* p = take(n, "value table");
    return std::vector<int8_t>(reinterpret_cast<const int8_t*>(p), reinterpret_cast<const int8_t*>(p) + n);
  }
  // `count` fields of `bits` bits, MSB first.
  std::vector<uint8_t> packed(uint64_t count, int bits, const char* what) {
    const uint8_t* p = take(static_cast<size_t>((count * bits + 7) / 8), what);
    std::vector<uint8_t> out(count);
    uint64_t bit = 0;
    for (uint64_t i = 0; i < count; ++i) {
      unsigned v = 0;
      for (int b = 0; b < bits; ++b, ++bit) v = (v << 1) | ((p[bit / 8] >> (7 - bit % 8)) & 1u);
      out[i] = static_cast<uint8_t>(v);
    }
    return out;
  }
  size_t remaining() const { return size_ - pos_; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

uint64_t product(const std::vector<uint32_t>& dims) {
  uint64_t n = 1;
  for (uint32_t d : dims) n *= d;
  return n;
}

}  // namespace

uint64_t IdstDecoded::area() const { return dims.size() < 2 ? (dims.empty() ? 0 : 1) : product(dims) / dims[0]; }

IdstEncoded encodeIdstDense(const int8_t* values, uint64_t kernel_num, uint64_t area, int bits) {
  checkArgs(values, kernel_num, area, bits);
  const uint64_t count = kernel_num * area;
  std::vector<uint8_t> fields(count);
  for (uint64_t i = 0; i < count; ++i) fields[i] = static_cast<uint8_t>(values[i] + (1 << (bits - 1)));
  Writer w;
  IdstEncoded out;
  out.shape_int32 = w.dims(kernel_num, area);
  w.linearTable(bits);
  w.bytes(packBits(fields, bits));
  out.buffer = w.take();
  out.type = 1;
  return out;
}

std::optional<IdstEncoded> encodeIdstSparse(const int8_t* values, uint64_t kernel_num, uint64_t area, int bits) {
  checkArgs(values, kernel_num, area, bits);
  const uint64_t count = kernel_num * area;
  // Step width 2..8 with the fewest bytes; the first minimum wins.
  int bestBits = 0;
  uint64_t bestBytes = 0;
  SparseEntries best;
  for (int s = 2; s <= 8; ++s) {
    SparseEntries e = sparseEntries(values, count, s, bits);
    uint64_t n = e.steps.size();
    uint64_t bytes = (n * s + 7) / 8 + (n * bits + 7) / 8;
    if (bestBits == 0 || bytes < bestBytes) {
      bestBits = s;
      bestBytes = bytes;
      best = std::move(e);
    }
  }
  if (best.steps.empty()) return std::nullopt;
  if (best.steps.size() > 0xFFFFFFFFu) throw std::invalid_argument("IDST encoding: too many sparse entries");
  Writer w;
  IdstEncoded out;
  out.shape_int32 = w.dims(kernel_num, area);
  w.u32(static_cast<uint32_t>(best.steps.size()));
  w.byte(static_cast<uint8_t>(bestBits));
  w.bytes(packBits(best.steps, bestBits));
  w.linearTable(bits);
  w.bytes(packBits(best.values, bits));
  out.buffer = w.take();
  out.type = 2;
  return out;
}

IdstEncoded encodeIdst(const int8_t* values, uint64_t kernel_num, uint64_t area, int bits, bool detect_sparse) {
  IdstEncoded dense = encodeIdstDense(values, kernel_num, area, bits);
  if (!detect_sparse) return dense;
  std::optional<IdstEncoded> sparse = encodeIdstSparse(values, kernel_num, area, bits);
  if (sparse && sparse->buffer.size() < dense.buffer.size()) return std::move(*sparse);
  return dense;
}

IdstDecoded decodeIdst(const int8_t* buffer, size_t size, int type, bool shape_int32) {
  if (type != 1 && type != 2) {
    throw std::invalid_argument("IDST buffer: type " + std::to_string(type) + " is not a coded buffer (1 dense, 2 sparse)");
  }
  Reader r(buffer, size);
  IdstDecoded out;
  out.dims = r.dims(shape_int32);
  const uint64_t count = product(out.dims);
  if (count > (uint64_t(1) << 34)) throw std::invalid_argument("IDST buffer: absurd weight count " + std::to_string(count));
  if (type == 1) {
    out.table = r.table();
    out.index_bits = indexBits(static_cast<uint32_t>(out.table.size()));
    // MNN looks values up in the table sorted ascending.
    std::vector<int8_t> sorted = out.table;
    std::sort(sorted.begin(), sorted.end());
    if (count * out.index_bits > uint64_t(r.remaining()) * 8) {
      std::ostringstream os;
      os << "IDST buffer truncated: " << count << " indices of " << out.index_bits << " bits need "
         << (count * out.index_bits + 7) / 8 << " bytes, only " << r.remaining() << " left";
      throw std::invalid_argument(os.str());
    }
    std::vector<uint8_t> idx = r.packed(count, out.index_bits, "indices");
    out.values.resize(count);
    for (uint64_t i = 0; i < count; ++i) {
      if (idx[i] >= sorted.size()) {
        throw std::invalid_argument("IDST buffer: index " + std::to_string(idx[i]) + " of weight #" + std::to_string(i) +
                                    " is outside the table of " + std::to_string(sorted.size()));
      }
      out.values[i] = sorted[idx[i]];
    }
    return out;
  }
  uint32_t nnz = r.u32("entry count");
  uint8_t stepBits = r.byte("step width");
  if (stepBits < 1 || stepBits > 8) throw std::invalid_argument("IDST buffer: step width " + std::to_string(stepBits) + " (expected 1..8)");
  if (uint64_t(nnz) * stepBits > uint64_t(r.remaining()) * 8) {
    throw std::invalid_argument("IDST buffer truncated: " + std::to_string(nnz) + " sparse entries do not fit");
  }
  std::vector<uint8_t> steps = r.packed(nnz, stepBits, "steps");
  out.table = r.table();
  out.index_bits = indexBits(static_cast<uint32_t>(out.table.size()));
  // Indices address the distinct table values in ascending order.
  std::vector<int8_t> distinct = out.table;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  std::vector<uint8_t> idx = r.packed(nnz, out.index_bits, "value indices");
  out.values.assign(count, 0);
  uint64_t pos = 0;
  for (uint32_t i = 0; i < nnz; ++i) {
    pos += steps[i];
    if (pos >= count) {
      throw std::invalid_argument("IDST buffer: sparse entry #" + std::to_string(i) + " lands at weight #" +
                                  std::to_string(pos) + ", past the " + std::to_string(count) + " weights");
    }
    if (idx[i] >= distinct.size()) {
      throw std::invalid_argument("IDST buffer: value index " + std::to_string(idx[i]) + " of sparse entry #" +
                                  std::to_string(i) + " is outside the table");
    }
    out.values[pos] = distinct[idx[i]];
  }
  return out;
}

}  // namespace mnnq
