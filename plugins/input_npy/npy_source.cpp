// input_type "npy": calibration samples stored as NumPy arrays, for any model input (audio, text,
// multiple inputs). Each entry of `path`, in name order, is one sample:
//   * a file `<anything>.npy` — only for single-input models;
//   * a folder holding `<input name>.npy` for every model input.
// Arrays are in the model input's own layout (as stored in the model), batch dimension 1 or
// absent. float32 is used as is; float64 and integer arrays are converted (noted once on stderr).
// Shapes: the `inputs` key, else the model's stored shape, else (unknown dimensions) the first
// sample's array. A sample whose files are missing, unreadable or of another shape is skipped with
// the reason.
#include "input_overrides.hpp"
#include "npy_file.hpp"
#include "sample_folder.hpp"

#include <mnnq/plugin.hpp>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

namespace mnnq::input {
namespace {

bool endsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

}  // namespace

class NpySource final : public sdk::InputSource {
 public:
  NpySource(const sdk::Config& config, const std::vector<sdk::InputDesc>& descs)
      : model_(copyModelInputs(descs)) {
    entries_ = listSampleFolder(requiredPath(config), EntryKinds::kFilesAndFolders,
                                usedSampleCount(config),
                                model_.size() == 1 ? "samples (.npy files or sample folders)"
                                                   : "sample folders");
    const auto overrides = parseInputsKey(config, model_);
    for (std::size_t k = 0; k < model_.size(); ++k) {
      const InputOverride* o = findOverride(overrides, model_[k].name);
      shapes_.push_back(o && !o->shape.empty() ? o->shape : modelShapeForOneSample(model_[k]));
      if (shapes_[k].empty()) shapes_[k] = shapeFromFirstSample(k);
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
    for (std::size_t k = 0; k < model_.size(); ++k) {
      const std::string file = arrayFile(entries_[i], k);
      NpyArray a;
      try {
        a = readNpy(file);
      } catch (const std::exception& e) {
        throw sdk::SkipSample(e.what());
      }
      if (!fitsShape(a.shape, shapes_[k]))
        throw sdk::SkipSample("'" + file + "' has shape " + shapeText(a.shape) + ", input '" +
                              model_[k].name + "' needs " + shapeText(shapes_[k]) +
                              " (batch dimension 1 may be left out)");
      if (a.converted) noteConversion(file, a.dtype);
      std::memcpy(buffers[k], a.data.data(), a.data.size() * sizeof(float));
    }
  }

 private:
  // The .npy file holding input k of a sample; throws SkipSample if the entry cannot hold it.
  std::string arrayFile(const SampleEntry& e, std::size_t k) const {
    if (e.isFolder) {
      const std::string file = e.path + "/" + model_[k].name + ".npy";
      if (!std::filesystem::is_regular_file(file))
        throw sdk::SkipSample("sample folder has no '" + model_[k].name + ".npy' for input '" +
                              model_[k].name + "'");
      return file;
    }
    if (!endsWith(e.name, ".npy"))
      throw sdk::SkipSample("not a .npy file or a sample folder");
    if (model_.size() != 1)
      throw sdk::SkipSample("a single .npy file cannot feed a model with " +
                            std::to_string(model_.size()) +
                            " inputs; use a folder with <input name>.npy per input");
    return e.path;
  }

  // For an input whose stored shape has unknown dimensions: the first readable sample's shape.
  std::vector<int64_t> shapeFromFirstSample(std::size_t k) const {
    for (const auto& e : entries_) {
      try {
        const NpyArray header = readNpy(arrayFile(e, k), false);
        const auto shape = completeShape(header.shape, model_[k].dims);
        if (shape.empty())
          throw sdk::Error("'" + e.path + "': shape " + shapeText(header.shape) +
                           " does not fit model input '" + model_[k].name + "' " +
                           shapeText(model_[k].dims));
        return shape;
      } catch (const sdk::SkipSample&) {
        continue;  // this entry is unusable anyway; load() will report it
      } catch (const sdk::Error&) {
        throw;
      } catch (const std::exception&) {
        continue;
      }
    }
    throw sdk::Error("the shape of model input '" + model_[k].name + "' " +
                     shapeText(model_[k].dims) +
                     " is not fully known and no sample provides it; give it in config key "
                     "'inputs'");
  }

  void noteConversion(const std::string& file, const std::string& dtype) const {
    std::call_once(conversionNoted_, [&] {
      std::fprintf(stderr,
                   "mnnq input npy: note: '%s' has dtype %s; converting to float32 (further "
                   "conversions are not reported)\n",
                   file.c_str(), dtype.c_str());
    });
  }

  std::vector<ModelInput> model_;
  std::vector<SampleEntry> entries_;
  std::vector<std::vector<int64_t>> shapes_;
  mutable std::once_flag conversionNoted_;
};

}  // namespace mnnq::input


MNNQ_EXPORT_INPUT_SOURCE(mnnq::input::NpySource, "npy", "1.0.0",
                         "NumPy .npy samples: one file per sample, or one folder with "
                         "<input name>.npy per input",
                         mnnq::sdk::PluginKeys::hostOnly(mnnq::input::kSourceHostKeys))
