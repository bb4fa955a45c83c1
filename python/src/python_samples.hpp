// The "python" input source: calibration samples handed over by mnnq.quantize(..., samples=...)
// instead of read from a folder. It is an ordinary mnnq_input_source (the same ABI vtable as a
// plugin library, registered in process with PluginRegistry::addInProcess), so the pipeline has
// one code path for every input type, and its samples are checked like the npy plugin's:
// float32 data, shape per model input from the `inputs` key / the model / the first sample, a
// sample of another shape skipped with the reason.
//
// The samples reach the source through its host context: the run's RunRequest::embedder_data
// points at a std::vector<Sample>, which every plugin object receives as
// mnnq_host::embedder_data (no global or thread-local state, so runs on several threads at once
// each see their own samples). The arrays themselves belong to the Python caller, which keeps
// them alive (and unchanged) until the run ends; this file never touches Python objects, so
// loading needs no GIL.
#pragma once

#include <mnnq/abi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace mnnq::python {

// One array of a sample: float32, C order, `shape` as given by the user.
struct SampleArray {
  std::string input;  // model input name; empty = "the only input" (a bare array was given)
  std::vector<int64_t> shape;
  const float* data = nullptr;
};

struct Sample {
  std::vector<SampleArray> arrays;
};

// The plugin description of the "python" input source (static; valid for the process).
const mnnq_plugin_info& pythonInputSourceInfo();

}  // namespace mnnq::python
