// libFuzzer entry point: arbitrary bytes as a .mnn file. Loading must either succeed or throw
// ModelError; a loaded model must serialise, load again and serialise to the same bytes, and its coded weights must decode
// or be rejected with std::invalid_argument. Anything else (crash, sanitizer report, another
// exception type) is a bug.
#include "mnnq/core/graph.hpp"
#include "mnnq/core/idst_codec.hpp"

#include <cstdint>
#include <cstdlib>
#include <stdexcept>

namespace {

void decodeCodedWeights(const mnnq::Graph& graph) {
  for (int i = 0; i < graph.numOps(); ++i) {
    const auto& op = graph.op(i);
    if (op.main.type != mnnq::schema::OpParameter_Convolution2D) continue;
    const auto* conv = op.main.AsConvolution2D();
    if (!conv->quanParameter || conv->quanParameter->buffer.empty()) continue;
    const auto& q = *conv->quanParameter;
    try {
      mnnq::decodeIdst(q.buffer.data(), q.buffer.size(), q.type, q.shapeInt32);
    } catch (const std::invalid_argument&) {
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    mnnq::Graph graph = mnnq::Graph::fromBuffer(data, size, "fuzz.mnn");
    decodeCodedWeights(graph);
    std::vector<uint8_t> bytes = mnnq::serializeNet(graph.net());
    mnnq::Graph again = mnnq::Graph::fromBuffer(bytes.data(), bytes.size(), "fuzz-resaved.mnn");
    // Writing the re-read model must give the same bytes: otherwise the writer or reader lost or
    // changed something. (Bytes, not operator==, so that NaN constants compare equal.)
    if (mnnq::serializeNet(again.net()) != bytes) std::abort();
  } catch (const mnnq::ModelError&) {
  }
  return 0;
}
