#include "python_samples.hpp"

#include "input_overrides.hpp"  // plugins/common: the npy plugin's shape rules

#include <mnnq/plugin.hpp>

#include <algorithm>
#include <cstring>

namespace mnnq::python {
namespace {

std::string inputList(const std::vector<input::ModelInput>& model) {
  std::string names;
  for (const auto& m : model) names += (names.empty() ? "'" : ", '") + m.name + "'";
  return names;
}

class PythonSource final : public sdk::InputSource {
 public:
  PythonSource(const sdk::Config& config, const std::vector<sdk::InputDesc>& descs,
               const sdk::Host& host)
      : model_(input::copyModelInputs(descs)),
        samples_(static_cast<const std::vector<Sample>*>(host.embedderData())) {
    if (!samples_)
      throw sdk::Error(
          "input_type 'python' takes its samples from mnnq.quantize(..., samples=...); "
          "it cannot be used from the command line");
    if (samples_->empty()) throw sdk::Error("samples= gave no sample");
    checkNames();
    const auto overrides = input::parseInputsKey(config, model_);
    for (std::size_t k = 0; k < model_.size(); ++k) {
      const input::InputOverride* o = input::findOverride(overrides, model_[k].name);
      shapes_.push_back(o && !o->shape.empty() ? o->shape
                                               : input::modelShapeForOneSample(model_[k]));
      if (shapes_[k].empty()) shapes_[k] = shapeFromFirstSample(k);
    }
    // A batched array (leading dimension B > 1 where the model takes one sample, e.g.
    // (4,3,240,320) from a data loader) is B samples.
    for (std::size_t i = 0; i < samples_->size(); ++i) {
      const int64_t batch = batchOf((*samples_)[i]);
      for (int64_t b = 0; b < batch; ++b) {
        entries_.push_back({i, batch > 1 ? b : -1});
        names_.push_back("sample " + std::to_string(i) + (batch > 1 ? "[" + std::to_string(b) + "]" : ""));
      }
    }
    // The Python side stops reading after `limit` items; batches can make that more samples.
    const uint64_t limit = input::usedSampleCount(config);
    if (limit > 0 && entries_.size() > limit) {
      entries_.resize(static_cast<std::size_t>(limit));
      names_.resize(static_cast<std::size_t>(limit));
    }
  }

  void inputShape(uint32_t input, sdk::InputDesc& desc) const override {
    input::writeShape(shapes_[input], desc);
  }

  uint64_t count() const override { return entries_.size(); }

  const char* sampleName(uint64_t i) const override {
    return names_[i].c_str();
  }

  void load(uint64_t i, float* const* buffers) const override {
    const Entry& e = entries_[i];  // the host asks only for i < count()
    for (std::size_t k = 0; k < model_.size(); ++k) {
      const SampleArray* a = find((*samples_)[e.sample], k);
      if (!a) throw sdk::SkipSample("no array for input '" + model_[k].name + "'");
      const std::size_t n = input::elementCount(shapes_[k]);
      if (e.item >= 0) {  // one item of a batch checked by batchOf()
        std::memcpy(buffers[k], a->data + e.item * n, n * sizeof(float));
        continue;
      }
      if (!input::fitsShape(a->shape, shapes_[k])) {
        std::string why = "input '" + model_[k].name + "' has shape " + input::shapeText(a->shape) +
                          ", the model needs " + input::shapeText(shapes_[k]);
        if (batchSize(*a, k) > 1)
          why += " (a batch of " + std::to_string(a->shape[0]) +
                 "; the arrays of one sample must have the same batch size)";
        else
          why += " (the batch dimension may be left out, or hold several samples)";
        throw sdk::SkipSample(why);
      }
      std::memcpy(buffers[k], a->data, n * sizeof(float));
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

  // B if array `a` is a batch of B > 1 samples of input k (the model takes batch 1), else 0.
  int64_t batchSize(const SampleArray& a, std::size_t k) const {
    const auto& want = shapes_[k];
    if (want.empty() || want[0] != 1 || a.shape.size() != want.size() || a.shape[0] <= 1) return 0;
    if (!std::equal(want.begin() + 1, want.end(), a.shape.begin() + 1)) return 0;
    return a.shape[0];
  }

  // How many samples one item holds: B when every input's array is a batch of the same B.
  int64_t batchOf(const Sample& sample) const {
    int64_t batch = 0;
    for (std::size_t k = 0; k < model_.size(); ++k) {
      const SampleArray* a = find(sample, k);
      const int64_t b = a ? batchSize(*a, k) : 0;
      if (b == 0 || (batch && b != batch)) return 1;
      batch = b;
    }
    return batch > 1 ? batch : 1;
  }

  // For an input whose stored shape has unknown dimensions: the first sample that has it.
  std::vector<int64_t> shapeFromFirstSample(std::size_t k) const {
    for (std::size_t i = 0; i < samples_->size(); ++i) {
      const SampleArray* a = find((*samples_)[i], k);
      if (!a) continue;
      auto shape = input::completeShape(a->shape, model_[k].dims);
      // An unknown batch dimension is 1: a batched array is then several samples.
      if (!shape.empty() && !model_[k].dims.empty() && model_[k].dims[0] <= 0) shape[0] = 1;
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
  struct Entry {
    std::size_t sample;  // index into samples_
    int64_t item;        // item of a batched sample, -1 = the whole arrays
  };
  std::vector<Entry> entries_;
  std::vector<std::string> names_;
};

// The host keys it reads (shapes of the model inputs, how many samples to use).
const char* const kHostKeys[] = {"inputs", "used_image_num", "used_sample_num"};

}  // namespace

const mnnq_plugin_info& pythonInputSourceInfo() {
  static const mnnq_plugin_info info = sdk::detail::pluginInfo(
      MNNQ_KIND_INPUT_SOURCE, "python", "1.0.0",
      "samples from Python: mnnq.quantize(..., samples=iterable of arrays or {input: array})",
      sdk::PluginKeys::hostOnly(kHostKeys), 0,
      sdk::detail::InputSourceAdapter<PythonSource>::vtable());
  return info;
}

}  // namespace mnnq::python
