// Writing a net: one plain FlatBuffer (no identifier, no size prefix) as MNN reads it, and an
// atomic file replace so an interrupted write never leaves a half-written model behind
// (OutputSet, mnnq/core/output_set.hpp).
#include "mnnq/core/graph.hpp"
#include "mnnq/core/output_set.hpp"

#include "graph_checks.hpp"

#include <flatbuffers/flatbuffers.h>


namespace mnnq {

std::vector<uint8_t> serializeNet(const schema::NetT& net) {
  // MNN requires an outputIndexes vector on every op; the object API writes empty vectors as
  // absent, so an op without outputs cannot be written in a form MNN accepts.
  model::checkGraph(net, "serializeNet");
  flatbuffers::FlatBufferBuilder builder(1 << 20);
  // Like MNN's own tools: write every scalar, even when equal to its default, so readers built
  // from older schema versions (with other defaults) see the same values.
  builder.ForceDefaults(true);
  builder.Finish(schema::Net::Pack(builder, &net));
  return std::vector<uint8_t>(builder.GetBufferPointer(), builder.GetBufferPointer() + builder.GetSize());
}


void saveNet(const schema::NetT& net, const std::string& path) {
  OutputSet set;
  set.add(path, serializeNet(net));
  try {
    set.publish();
  } catch (const OutputError& e) {
    throw ModelError(e.what());
  }
}

}  // namespace mnnq
