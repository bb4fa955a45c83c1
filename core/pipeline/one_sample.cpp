#include "mnnq/core/one_sample.hpp"

#include "mnnq/core/model_inputs.hpp"
#include "mnnq/core/plugin_handles.hpp"

#include <boost/filesystem.hpp>

#include <stdexcept>

namespace mnnq {

OneSample loadOneSample(const Graph& graph, const RunConfig& run, const std::string& sample) {
  namespace fs = boost::filesystem;
  const fs::path file = fs::absolute(sample);
  if (!fs::exists(file)) throw ConfigError("no such file or folder '" + file.string() + "'");
  // The plugin reads the sample's folder; no sample limit, so any entry of it can be chosen.
  nlohmann::json values = run.values;
  values["path"] = file.parent_path().string();
  for (const char* key : {"used_sample_num", "used_image_num"})
    if (values.contains(key)) values[key] = 0;
  const ModelInputs model_inputs = modelInputs(graph);
  InputSourceHandle source(*run.input_source, values.dump(), model_inputs.descs);
  const std::string wanted = file.filename().string();
  uint64_t index = source.count();
  for (uint64_t i = 0; i < source.count() && index == source.count(); ++i)
    if (source.sampleName(i) == wanted) index = i;
  if (index == source.count())
    throw ConfigError("input plugin '" + run.input_source->name() + "' offers no sample named '" + wanted +
                      "' in " + file.parent_path().string());
  OneSample out;
  std::vector<float*> buffers;
  for (size_t k = 0; k < graph.inputs().size(); ++k) {
    const mnnq_input_desc desc = source.inputShape(static_cast<uint32_t>(k));
    Tensor& t = out.inputs[graph.inputs()[k]];
    t.shape.assign(desc.dims, desc.dims + desc.ndim);
    t.layout = model_inputs.declared[k];
    t.f.assign(static_cast<size_t>(t.elementCount()), 0.f);
    out.input_shapes[model_inputs.names[k]] = t.shape;
  }
  for (size_t k = 0; k < graph.inputs().size(); ++k) buffers.push_back(out.inputs[graph.inputs()[k]].f.data());
  std::string reason;
  if (!source.load(index, buffers.data(), &reason))
    throw std::runtime_error(file.string() + ": the input plugin skipped this sample: " + reason);
  return out;
}

}  // namespace mnnq
