#include "python_samples.hpp"

#include "input_overrides.hpp"  // plugins/common: the npy plugin's shape rules

#include <mnnq/plugin.hpp>

#include <cstring>

namespace mnnq::python {
namespace {

thread_local const std::vector<Sample>* current_samples = nullptr;

std::string inputList(const std::vector<input::ModelInput>& model) {
  std::string names;
  for (const auto& m : model) names += (names.empty() ? "'" : ", '") + m.name + "'";
  return names;
}

class PythonSource final : public sdk::InputSource {
 public:
  PythonSource(const sdk::Config& config, const std::vector<sdk::InputDesc>& descs)
      : model_(input::copyModelInputs(descs)) {
    if (!current_samples)
      throw sdk::Error(
          "input_type 'python' takes its samples from mnnq.quantize(..., samples=...); "
          "it cannot be used from the command line");
    samples_ = current_samples;
    if (samples_->empty()) throw sdk::Error("samples= gave no sample");
    checkNames();
    const auto overrides = input::parseInputsKey(config, model_);
    for (std::size_t k = 0; k < model_.size(); ++k) {
      const input::InputOverride* o = input::findOverride(overrides, model_[k].name);
      shapes_.push_back(o && !o->shape.empty() ? o->shape
                                               : input::modelShapeForOneSample(model_[k]));
      if (shapes_[k].empty()) shapes_[k] = shapeFromFirstSample(k);
    }
    for (std::size_t i = 0; i < samples_->size(); ++i)
      names_.push_back("sample " + std::to_string(i));
  }

  void inputShape(uint32_t input, sdk::InputDesc& desc) const override {
    if (input >= shapes_.size()) throw sdk::Error("input index out of range", MNNQ_INVALID_STATE);
    input::writeShape(shapes_[input], desc);
  }

  uint64_t count() const override { return samples_->size(); }

  const char* sampleName(uint64_t i) const override {
    return i < names_.size() ? names_[i].c_str() : "";
  }

  void load(uint64_t i, float* const* buffers) const override {
    if (i >= samples_->size()) throw sdk::Error("sample index out of range", MNNQ_INVALID_STATE);
    for (std::size_t k = 0; k < model_.size(); ++k) {
      const SampleArray* a = find((*samples_)[i], k);
      if (!a) throw sdk::SkipSample("no array for input '" + model_[k].name + "'");
      if (!input::fitsShape(a->shape, shapes_[k]))
        throw sdk::SkipSample("input '" + model_[k].name + "' has shape " +
                              input::shapeText(a->shape) + ", the model needs " +
                              input::shapeText(shapes_[k]) + " (batch dimension 1 may be left out)");
      std::memcpy(buffers[k], a->data, input::elementCount(shapes_[k]) * sizeof(float));
    }
  }

 private:
  // A bare array only fits a one-input model, and every dict key must be a model input: these
  // are mistakes in the caller's code, reported at once rather than as skipped samples.
  void checkNames() const {
    for (std::size_t i = 0; i < samples_->size(); ++i) {
      for (const SampleArray& a : (*samples_)[i].arrays) {
        if (a.input.empty()) {
          if (model_.size() != 1)
            throw sdk::Error("sample " + std::to_string(i) +
                             " is a single array, but the model has " +
                             std::to_string(model_.size()) + " inputs (" + inputList(model_) +
                             "): give a dict {input name: array}");
          continue;
        }
        bool known = false;
        for (const auto& m : model_) known = known || m.name == a.input;
        if (!known)
          throw sdk::Error("sample " + std::to_string(i) + ": '" + a.input +
                           "' is not a model input (inputs: " + inputList(model_) + ")");
      }
    }
  }

  const SampleArray* find(const Sample& sample, std::size_t k) const {
    for (const SampleArray& a : sample.arrays)
      if (a.input == model_[k].name || (a.input.empty() && model_.size() == 1)) return &a;
    return nullptr;
  }

  // For an input whose stored shape has unknown dimensions: the first sample that has it.
  std::vector<int64_t> shapeFromFirstSample(std::size_t k) const {
    for (std::size_t i = 0; i < samples_->size(); ++i) {
      const SampleArray* a = find((*samples_)[i], k);
      if (!a) continue;
      const auto shape = input::completeShape(a->shape, model_[k].dims);
      if (shape.empty())
        throw sdk::Error("sample " + std::to_string(i) + ": shape " + input::shapeText(a->shape) +
                         " does not fit model input '" + model_[k].name + "' " +
                         input::shapeText(model_[k].dims));
      return shape;
    }
    throw sdk::Error("the shape of model input '" + model_[k].name + "' " +
                     input::shapeText(model_[k].dims) +
                     " is not fully known and no sample provides it; give it in config key "
                     "'inputs'");
  }

  std::vector<input::ModelInput> model_;
  const std::vector<Sample>* samples_ = nullptr;
  std::vector<std::vector<int64_t>> shapes_;
  std::vector<std::string> names_;
};

}  // namespace

SamplesScope::SamplesScope(const std::vector<Sample>* samples) : previous_(current_samples) {
  current_samples = samples;
}

SamplesScope::~SamplesScope() { current_samples = previous_; }

const mnnq_plugin_info& pythonInputSourceInfo() {
  static const mnnq_plugin_info info = {
      MNNQ_ABI_VERSION,
      sizeof(mnnq_plugin_info),
      MNNQ_KIND_INPUT_SOURCE,
      "python",
      "1.0.0",
      "samples from Python: mnnq.quantize(..., samples=iterable of arrays or {input: array})",
      nullptr,
      0,
      0,
      sdk::detail::InputSourceAdapter<PythonSource>::vtable()};
  return info;
}

}  // namespace mnnq::python
