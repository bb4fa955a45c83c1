// Per-op contract checks run on every loaded graph (Graph::load, fromBuffer, fromNet), after the
// structural checks of graph_checks.hpp and before any executor, inspect report or rewrite sees
// the model. For every op type the executor implements they check what its shape inference and
// kernels rely on without looking: input and output counts (required inputs present), the
// parameter table's type (an op retyped to another type keeps its old table and is refused),
// enums in range, axes and permutations within the rank limit, window geometry (kernel, stride,
// dilation, padding) and declared sizes (Input dims, Const blobs) within mnnq/core/limits.hpp.
// Shape-dependent checks (ranks, extents, tensor sizes) follow in the executor's shape
// inference, before any buffer is allocated.
#pragma once

#include "mnnq/core/schema.hpp"

#include <string>

namespace mnnq::model {

// Throws ModelError "<source>: op #i 'name' (Type) <problem>".
void validateOps(const schema::NetT& net, const std::string& source);

}  // namespace mnnq::model
