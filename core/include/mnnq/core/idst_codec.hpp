// The coded integer weight buffer of MNN's IDSTQuan (Convolution2D.quanParameter.buffer):
// dense (type 1) and sparse (type 2) encodings of per-output-channel int8 weights.
//
// Layout (all multi-byte integers little-endian; "packed" = MSB-first bit stream, fields may
// straddle bytes, trailing bits zero):
//   type 1: ndim(1 byte) dims(ndim x uint16, or uint32 if shapeInt32) N(1 byte, 0 = 256)
//           table(N x int8) indices(packed, ceil(log2 N) bits each, one per weight)
//   type 2: ndim dims nnz(uint32) S(1 byte) steps(packed S-bit, nnz) N table
//           value indices(packed ceil(log2 N)-bit, nnz); weight[pos += step] = value, rest 0.
// We write the linear table -2^(b-1) .. 2^(b-1)-1 with dims {kernel_num, area}, as MNN does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace mnnq {

struct IdstEncoded {
  std::vector<int8_t> buffer;
  bool shape_int32 = false;  // goes to IDSTQuan.shapeInt32: a dim exceeded 65535
  int type = 1;              // goes to IDSTQuan.type
};

// values: kernel_num x area quantized weights in [-2^(bits-1), 2^(bits-1)-1], bits in 1..8.
// Throws std::invalid_argument for values outside that range.
IdstEncoded encodeIdstDense(const int8_t* values, uint64_t kernel_num, uint64_t area, int bits);
// Sparse form; empty when every value is 0 (MNN then falls back to dense).
std::optional<IdstEncoded> encodeIdstSparse(const int8_t* values, uint64_t kernel_num, uint64_t area, int bits);
// MNN's choice: sparse only if detect_sparse and the sparse bytes are strictly fewer.
IdstEncoded encodeIdst(const int8_t* values, uint64_t kernel_num, uint64_t area, int bits, bool detect_sparse);

struct IdstDecoded {
  std::vector<uint32_t> dims;  // as stored: normally {kernel_num, area}
  std::vector<int8_t> table;   // value table as stored (N entries)
  int index_bits = 0;          // bits per (value) index
  std::vector<int8_t> values;  // product(dims) weights, storage order
  uint64_t kernelNum() const { return dims.empty() ? 0 : dims[0]; }
  uint64_t area() const;
};

// Decodes a type 1 or 2 buffer. Throws std::invalid_argument with a specific message for
// any inconsistency (unknown type, truncated buffer, index outside the table, step past end).
IdstDecoded decodeIdst(const int8_t* buffer, size_t size, int type, bool shape_int32);

}  // namespace mnnq
