// Consistency rules of a model graph, checked on the unpacked object tree (after loading, and
// again whenever a rewritten net is turned into a Graph). They guarantee every later stage
// can index tensors and walk ops in file order without bounds checks of its own.
#pragma once

#include "mnnq/core/schema.hpp"

#include <string>

namespace mnnq::model {

// Throws ModelError naming `source`, the op (index, name, type) and the problem.
void checkGraph(const schema::NetT& net, const std::string& source);

// "op #3 'conv1' (Convolution)", used in messages across the model code.
std::string describeOp(const schema::OpT& op, size_t index);

}  // namespace mnnq::model
