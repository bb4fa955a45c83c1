// Data a model keeps outside the FlatBuffer, in the `<model>.weight` side file (or the file
// named by Op.externalPath): `external` = [offset, bytes, ...] on Blob, Convolution2D, Scale
// and LayerNorm. We copy it into the object tree and clear the references, so the in-memory
// model is self-contained and is written back as one file.
#pragma once

#include "mnnq/core/schema.hpp"

#include <string>

namespace mnnq::model {

// True if any op of the net (or of its subgraphs) references external data.
bool usesExternalData(const schema::NetT& net);

// Reads every external reference from `weight_path` (or the op's own externalPath) into the
// tables. Throws ModelError naming `source`, the op and the range when the data is missing.
void inlineExternalData(schema::NetT& net, const std::string& weight_path, const std::string& source);

}  // namespace mnnq::model
