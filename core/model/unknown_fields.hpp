// Detects data that unpacking would silently drop: fields a newer MNN added to a table after
// the ones our schema declares. FlatBuffers readers ignore such fields, so a rewrite would lose
// them without a trace; we refuse the model instead, naming where the field sits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace mnnq::model {

// `data` must already have passed the FlatBuffers verifier. Throws ModelError.
void checkNoUnknownFields(const uint8_t* data, size_t size, const std::string& source);

}  // namespace mnnq::model
