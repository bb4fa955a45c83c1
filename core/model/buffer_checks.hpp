// Checks on the raw bytes of a .mnn file, run before anything is unpacked: the FlatBuffers
// verifier (every offset, length and alignment in bounds) and the rules MNN's own loader
// enforces on the verified view. When verification fails, a second, careful walk locates the
// first problem so the message says what is wrong instead of just "corrupt".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace mnnq::model {

// Throws ModelError naming `source` when the bytes are not a loadable MNN model.
void checkModelBuffer(const uint8_t* data, size_t size, const std::string& source);

}  // namespace mnnq::model
