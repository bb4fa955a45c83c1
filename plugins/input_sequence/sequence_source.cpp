// input_type "sequence" (MNN's text samples): each entry of `path`, in name order, is a folder
// holding `<input name>.txt` for every model input — whitespace-separated numbers in row-major
// order of the input's shape (in the input's own layout) — and optionally `input.json`
// ({"inputs": [{"name", "shape"}]}) giving shapes.
//
// Shapes: the `inputs` key, else the first sample folder's input.json, else the model's stored
// shape. All samples share them (the host allocates once); a sample whose input.json gives another
// shape is skipped. Unlike MNN, which silently leaves an input unfilled, a missing file, a wrong
// number of values or non-numeric text skips the sample with the reason.
#include "input_overrides.hpp"
#include "sample_folder.hpp"

#include "mnnq/core/regular_file.hpp"

#include <mnnq/plugin.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace mnnq::input {
namespace {

using ShapeMap = std::map<std::string, std::vector<int64_t>>;

// Shapes listed in <folder>/input.json; empty if the file does not exist. Throws std::runtime_error
// if it exists but is malformed.
ShapeMap readInputJson(const std::string& folder) {
  const std::string file = folder + "/input.json";
  ShapeMap shapes;
  if (!std::filesystem::exists(file)) return shapes;
  std::ifstream in(file);
  nlohmann::json j;
  try {
    in >> j;
  } catch (const std::exception& e) {
    throw std::runtime_error("'" + file + "' is not valid JSON: " + e.what());
  }
  if (!j.is_object() || !j.contains("inputs") || !j["inputs"].is_array())
    throw std::runtime_error("'" + file + "' must be {\"inputs\": [{\"name\": ..., \"shape\": [...]}]}");
  for (const auto& item : j["inputs"]) {
    if (!item.is_object() || !item.contains("name") || !item["name"].is_string())
      throw std::runtime_error("'" + file + "': every entry of inputs needs a string name");
    if (!item.contains("shape")) continue;
    std::vector<int64_t> shape;
    for (const auto& d : item["shape"]) {
      if (!d.is_number_integer() || d.get<int64_t>() <= 0)
        throw std::runtime_error("'" + file + "': shape of '" + item["name"].get<std::string>() +
                                 "' must be a list of positive ints");
      shape.push_back(d.get<int64_t>());
    }
    shapes[item["name"].get<std::string>()] = shape;
  }
  return shapes;
}

// Parses exactly `count` whitespace-separated numbers from `file` into out (as float, through
// double, like MNN). Throws SkipSample with the reason.
void readValues(const std::string& file, uint64_t count, float* out) {
  const std::string irregular = notRegularFileReason(file);
  if (!irregular.empty() && irregular != "does not exist") throw sdk::SkipSample("'" + file + "' " + irregular);
  std::ifstream in(file, std::ios::binary);
  if (!in) throw sdk::SkipSample("missing or unreadable file '" + file + "'");
  std::ostringstream text;
  text << in.rdbuf();
  const std::string s = text.str();
  const char* p = s.c_str();
  const char* end = p + s.size();
  uint64_t n = 0;
  while (true) {
    while (p < end && std::isspace(static_cast<unsigned char>(*p))) ++p;
    if (p >= end) break;
    char* stop = nullptr;
    errno = 0;
    const double v = std::strtod(p, &stop);
    if (stop == p || (stop < end && !std::isspace(static_cast<unsigned char>(*stop)))) {
      const char* tokenEnd = p;
      while (tokenEnd < end && !std::isspace(static_cast<unsigned char>(*tokenEnd))) ++tokenEnd;
      throw sdk::SkipSample("'" + file + "': value #" + std::to_string(n + 1) + " '" +
                            std::string(p, std::min<std::size_t>(tokenEnd - p, 40)) +
                            "' is not a number (values are separated by white space)");
    }
    if (n < count) out[n] = static_cast<float>(v);
    ++n;
    p = stop;
  }
  if (n != count)
    throw sdk::SkipSample("'" + file + "' has " + std::to_string(n) + " values, " +
                          std::to_string(count) + " expected");
}

}  // namespace

class SequenceSource final : public sdk::InputSource {
 public:
  SequenceSource(const sdk::Config& config, const std::vector<sdk::InputDesc>& descs)
      : model_(copyModelInputs(descs)) {
    entries_ = listSampleFolder(requiredPath(config), EntryKinds::kFilesAndFolders,
                                usedSampleCount(config), "sample folders");
    const auto overrides = parseInputsKey(config, model_);
    const ShapeMap fromJson = firstInputJson();
    for (const auto& in : model_) {
      const InputOverride* o = findOverride(overrides, in.name);
      std::vector<int64_t> shape;
      if (o && !o->shape.empty()) {
        shape = o->shape;
      } else if (fromJson.count(in.name)) {
        shape = fromJson.at(in.name);
      } else {
        shape = modelShapeForOneSample(in);
      }
      if (shape.empty())
        throw sdk::Error("the shape of model input '" + in.name + "' " + shapeText(in.dims) +
                         " is not fully known: give it in config key 'inputs' or in the sample "
                         "folders' input.json");
      counts_.push_back(elementCount(shape));
      shapes_.push_back(std::move(shape));
    }
  }

  void inputShape(uint32_t input, sdk::InputDesc& desc) const override {
    writeShape(shapes_[input], desc);
  }

  uint64_t count() const override { return entries_.size(); }

  const char* sampleName(uint64_t i) const override {
    return entries_[i].name.c_str();  // the host asks only for i < count()
  }

  void load(uint64_t i, float* const* buffers) const override {
    const SampleEntry& e = entries_[i];
    if (!e.isFolder)
      throw sdk::SkipSample("not a folder (sequence samples are folders of <input name>.txt)");
    ShapeMap shapes;
    try {
      shapes = readInputJson(e.path);
    } catch (const std::exception& ex) {
      throw sdk::SkipSample(ex.what());
    }
    for (std::size_t k = 0; k < model_.size(); ++k) {
      auto it = shapes.find(model_[k].name);
      if (it != shapes.end() && it->second != shapes_[k])
        throw sdk::SkipSample("input.json gives input '" + model_[k].name + "' shape " +
                              shapeText(it->second) + ", but all samples must have " +
                              shapeText(shapes_[k]));
      readValues(e.path + "/" + model_[k].name + ".txt", counts_[k], buffers[k]);
    }
  }

 private:
  // Shapes from the first sample folder's input.json, as MNN reads them (a malformed one does not
  // stop the run: that sample is skipped at load time).
  ShapeMap firstInputJson() const {
    for (const auto& e : entries_) {
      if (!e.isFolder) continue;
      try {
        return readInputJson(e.path);
      } catch (const std::exception&) {
        return {};
      }
    }
    return {};
  }

  std::vector<ModelInput> model_;
  std::vector<SampleEntry> entries_;
  std::vector<std::vector<int64_t>> shapes_;
  std::vector<uint64_t> counts_;
};

}  // namespace mnnq::input


MNNQ_EXPORT_INPUT_SOURCE(mnnq::input::SequenceSource, "sequence", "1.0.0",
                         "MNN text samples: folders of <input name>.txt (+ optional input.json)",
                         mnnq::sdk::PluginKeys::hostOnly(mnnq::input::kSourceHostKeys))
