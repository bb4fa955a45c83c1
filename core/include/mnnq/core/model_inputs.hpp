// A model's graph inputs as an input source plugin needs them: names, known dims, and the order
// the data must be in. Shared by the quantization pipeline and `mnnq infer` so both feed a
// model the same way.
#pragma once

#include "mnnq/core/graph.hpp"
#include "mnnq/core/tensor.hpp"

#include <mnnq/abi.h>

#include <string>
#include <vector>

namespace mnnq {

struct ModelInputs {
  std::vector<std::string> names;
  std::vector<mnnq_input_desc> descs;  // layout = how the data is ordered (see modelInputs)
  std::vector<Layout> declared;        // layout stored in the file, for the executor
};

// Per graph input (Graph::inputs() order): dims from the Input op (-1 unknown), and the data
// order: NHWC for inputs declared NHWC, and for channels-last inputs declared NCHW with dims
// [N, H, W, C] (C in {1, 3, 4}, dim 1 not), which converters of TFLite/Keras models produce
// and then transpose inside the graph. descs[k].name points into names[k]: keep the object.
ModelInputs modelInputs(const Graph& graph);

}  // namespace mnnq
