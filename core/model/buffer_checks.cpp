#include "buffer_checks.hpp"

#include "mnnq/core/graph.hpp"
#include "unknown_fields.hpp"

#include <flatbuffers/flatbuffers.h>

#include <cstring>
#include <sstream>

namespace mnnq::model {
namespace {

// Field ids of the tables the diagnostic walk reads by hand (position in net.fbs).
constexpr int kNetOplists = 3;
constexpr int kNetTensorName = 7;
constexpr int kOpName = 3;

[[noreturn]] void fail(const std::string& source, const std::string& what) {
  throw ModelError(source + ": not a valid MNN model: " + what);
}

std::string describeMagic(const uint8_t* data, size_t size) {
  auto starts = [&](const char* magic, size_t n) { return size >= n && std::memcmp(data, magic, n) == 0; };
  if (starts("\xFF\xD8\xFF", 3)) return "the file is a JPEG image";
  if (starts("\x89PNG", 4)) return "the file is a PNG image";
  if (starts("PK\x03\x04", 4)) return "the file is a ZIP archive";
  if (starts("\x1F\x8B", 2)) return "the file is gzip-compressed";
  if (starts("\x08", 1) && size > 1 && data[1] < 0x20) return "";  // could be ONNX protobuf; no guess
  if (starts("{", 1) || starts("[", 1)) return "the file looks like JSON text";
  return "";
}

// Bounds-checked little-endian reads for the diagnostic walk.
struct Bytes {
  const uint8_t* data;
  size_t size;
  bool has(uint64_t pos, uint64_t n) const { return pos <= size && n <= size - pos; }
  uint32_t u32(size_t pos) const { return flatbuffers::ReadScalar<uint32_t>(data + pos); }
  int32_t i32(size_t pos) const { return flatbuffers::ReadScalar<int32_t>(data + pos); }
  uint16_t u16(size_t pos) const { return flatbuffers::ReadScalar<uint16_t>(data + pos); }
};

// Position of field `id` of the table at `table`, 0 when absent. Throws on bad vtables.
size_t fieldPos(const Bytes& b, size_t table, int id, const std::string& where, const std::string& source) {
  if (!b.has(table, 4)) fail(source, where + " lies outside the file");
  int64_t vtable = static_cast<int64_t>(table) - b.i32(table);
  if (vtable < 0 || !b.has(static_cast<uint64_t>(vtable), 4)) {
    std::ostringstream os;
    os << where << " has its field table at offset " << vtable << ", outside the file of " << b.size
       << " bytes (truncated or corrupt file)";
    fail(source, os.str());
  }
  uint16_t vsize = b.u16(static_cast<size_t>(vtable));
  if (vsize < 4 || !b.has(static_cast<uint64_t>(vtable), vsize)) {
    fail(source, where + " has a field table extending past the end of the file (truncated file?)");
  }
  size_t slot = 4 + 2 * static_cast<size_t>(id);
  if (slot + 2 > vsize) return 0;
  uint16_t off = b.u16(static_cast<size_t>(vtable) + slot);
  return off == 0 ? 0 : table + off;
}

// Checks the vector referenced by the offset field at `pos`; returns the vector's position.
size_t checkVector(const Bytes& b, size_t pos, size_t elemSize, const std::string& what,
                   const std::string& source) {
  if (!b.has(pos, 4)) fail(source, what + ": offset lies past the end of the file (truncated file?)");
  uint64_t vec = static_cast<uint64_t>(pos) + b.u32(pos);
  if (!b.has(vec, 4)) {
    std::ostringstream os;
    os << what << " starts at offset " << vec << ", past the end of the file of " << b.size
       << " bytes (truncated or corrupt file)";
    fail(source, os.str());
  }
  uint64_t count = b.u32(static_cast<size_t>(vec));
  if (!b.has(vec + 4, count * elemSize)) {
    std::ostringstream os;
    os << what << " declares " << count << " elements (" << count * elemSize << " bytes) but only "
       << b.size - vec - 4 << " bytes follow in the file (corrupt length or truncated file)";
    fail(source, os.str());
  }
  return static_cast<size_t>(vec);
}

// Runs after the verifier rejected the buffer: finds the first problem it can name.
[[noreturn]] void diagnose(const uint8_t* data, size_t size, const std::string& source) {
  Bytes b{data, size};
  uint32_t root = b.u32(0);
  if (root < 4 || !b.has(root, 4)) {
    std::ostringstream os;
    os << "root table offset " << root << " points outside the file of " << size
       << " bytes (not a FlatBuffer, or a damaged header)";
    fail(source, os.str());
  }
  if (root % 4 != 0) {
    std::ostringstream os;
    os << "root table offset " << root << " is not 4-byte aligned (not a FlatBuffer, or a damaged header)";
    fail(source, os.str());
  }
  size_t namesField = fieldPos(b, root, kNetTensorName, "the Net table", source);
  if (namesField) checkVector(b, namesField, 4, "Net.tensorName", source);
  size_t opsField = fieldPos(b, root, kNetOplists, "the Net table", source);
  if (opsField) {
    size_t ops = checkVector(b, opsField, 4, "Net.oplists", source);
    uint32_t count = b.u32(ops);
    flatbuffers::Verifier::Options options;
    options.max_tables = 100000000;
    for (uint32_t i = 0; i < count; ++i) {
      size_t elem = ops + 4 + 4 * static_cast<size_t>(i);
      std::ostringstream where;
      where << "op #" << i;
      uint64_t opPos = static_cast<uint64_t>(elem) + b.u32(elem);
      if (!b.has(opPos, 4)) fail(source, where.str() + " lies past the end of the file (truncated file?)");
      flatbuffers::Verifier verifier(data, size, options);
      auto* op = reinterpret_cast<const schema::Op*>(data + opPos);
      if (!op->Verify(verifier)) {
        // Name it when its name string is intact.
        size_t nameField = fieldPos(b, static_cast<size_t>(opPos), kOpName, where.str(), source);
        if (nameField && b.has(nameField, 4)) {
          uint64_t str = static_cast<uint64_t>(nameField) + b.u32(nameField);
          if (b.has(str, 4) && b.has(str + 4, static_cast<uint64_t>(b.u32(static_cast<size_t>(str))) + 1)) {
            where << " '" << std::string(reinterpret_cast<const char*>(data + str + 4), b.u32(static_cast<size_t>(str)))
                  << "'";
          }
        }
        fail(source, where.str() +
                         " is malformed (an offset, length or alignment inside it is out of bounds: "
                         "truncated or corrupt file)");
      }
    }
  }
  fail(source, "the FlatBuffers verifier rejected the file (an offset, length or alignment outside the "
               "op list is out of bounds: truncated or corrupt file, or not an MNN model)");
}

std::string opLabel(const schema::Op* op, size_t index) {
  std::ostringstream os;
  os << "op #" << index;
  if (op->name()) os << " '" << op->name()->str() << "'";
  os << " (" << schema::EnumNameOpType(op->type()) << ")";
  return os.str();
}

}  // namespace

void checkModelBuffer(const uint8_t* data, size_t size, const std::string& source) {
  if (size == 0) throw ModelError(source + ": empty file (0 bytes), not an MNN model");
  std::string magic = describeMagic(data, size);
  if (!magic.empty()) fail(source, magic);
  if (size < 12) {
    std::ostringstream os;
    os << "only " << size << " bytes, too small for a FlatBuffer with a Net table";
    fail(source, os.str());
  }
  if (size >= FLATBUFFERS_MAX_BUFFER_SIZE) {
    std::ostringstream os;
    os << size << " bytes exceeds the 2 GiB limit of a FlatBuffer";
    fail(source, os.str());
  }
  if (reinterpret_cast<uintptr_t>(data) % 8 != 0) {
    throw std::logic_error("checkModelBuffer: buffer for " + source + " is not 8-byte aligned");
  }

  flatbuffers::Verifier::Options options;
  options.max_tables = 100000000;  // big models have millions of tables; the default is 1e6
  flatbuffers::Verifier verifier(data, size, options);
  if (!schema::VerifyNetBuffer(verifier)) diagnose(data, size, source);

  // What MNN's loader requires on top of the verifier.
  const schema::Net* net = schema::GetNet(data);
  if (!net->oplists()) fail(source, "Net.oplists is missing (MNN requires the op list)");
  if (!net->tensorName()) fail(source, "Net.tensorName is missing (MNN requires the tensor names)");
  for (flatbuffers::uoffset_t i = 0; i < net->oplists()->size(); ++i) {
    const schema::Op* op = net->oplists()->Get(i);
    if (!op->outputIndexes()) fail(source, opLabel(op, i) + " has no outputIndexes (MNN rejects such ops)");
    if (op->main_type() > schema::OpParameter_MAX) {
      std::ostringstream os;
      os << opLabel(op, i) << " has a parameter table with union tag " << int(op->main_type())
         << ", unknown to mnnq's schema (tags 0.." << int(schema::OpParameter_MAX)
         << ", MNN 3.6): the file comes from a newer MNN and could not be rewritten faithfully";
      fail(source, os.str());
    }
  }
  checkNoUnknownFields(data, size, source);
}

}  // namespace mnnq::model
