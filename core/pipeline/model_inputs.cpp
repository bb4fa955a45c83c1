#include "mnnq/core/model_inputs.hpp"

#include <algorithm>

namespace mnnq {
namespace {

// Channel counts an image input can have (GRAY, RGB/BGR, RGBA/BGRA).
bool isImageChannelCount(int c) { return c == 1 || c == 3 || c == 4; }

}  // namespace

ModelInputs modelInputs(const Graph& graph) {
  ModelInputs inputs;
  for (int tensor : graph.inputs()) inputs.names.push_back(graph.tensorName(tensor));
  for (size_t k = 0; k < graph.inputs().size(); ++k) {
    mnnq_input_desc desc{};
    desc.name = inputs.names[k].c_str();
    desc.layout = MNNQ_LAYOUT_NCHW;
    Layout declared = Layout::NCHW;
    const int producer = graph.producer(graph.inputs()[k]);
    if (producer >= 0) {
      if (const auto* input = graph.op(producer).main.AsInput()) {
        desc.ndim = static_cast<int32_t>(std::min<size_t>(input->dims.size(), MNNQ_MAX_DIMS));
        for (int d = 0; d < desc.ndim; ++d) desc.dims[d] = input->dims[d] > 0 ? input->dims[d] : -1;
        if (input->dformat == schema::MNN_DATA_FORMAT_NHWC) declared = Layout::NHWC;
        // Converters of channels-last models (TFLite, ONNX exports of them) often declare the
        // input NCHW with dims [N, H, W, C] and transpose inside the graph. MNN's own tool then
        // feeds [1, C, H, W] and fails every image; the data must be ordered H, W, C.
        const bool channels_last_dims = desc.ndim == 4 && isImageChannelCount(desc.dims[3]) &&
                                        !isImageChannelCount(desc.dims[1]);
        desc.layout = (declared == Layout::NHWC || channels_last_dims) ? MNNQ_LAYOUT_NHWC
                                                                       : MNNQ_LAYOUT_NCHW;
      }
    }
    inputs.descs.push_back(desc);
    inputs.declared.push_back(declared);
  }
  return inputs;
}

}  // namespace mnnq
