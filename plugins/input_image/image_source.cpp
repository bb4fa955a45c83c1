// input_type "image" (the default): a folder of image files, preprocessed exactly as MNN's
// quantization tool does (see image_preprocess.hpp), fed to the model's first input.
//
// Multi-input models: images feed the first input only. Every other input must be given a
// constant through the `inputs` key ({"name", "shape", "value"}); otherwise the configuration is
// rejected with a message pointing to input_type "npy" or "sequence".
#include "image_decoder.hpp"
#include "image_preprocess.hpp"
#include "input_overrides.hpp"
#include "sample_folder.hpp"

#include <mnnq/plugin.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

namespace mnnq::input {
namespace {

constexpr int64_t kDefaultMaxImagePixels = 64000000;  // also the key's default below

// Declared as a list of numbers; at most 4 channels, each within float range.
std::vector<float> numberList(const sdk::Config& config, const char* key, float fill) {
  std::vector<float> v(4, fill);
  const std::vector<double> given = config.get<std::vector<double>>(key, {});
  if (given.size() > 4)
    throw sdk::Error(std::string("config key '") + key + "' must be a list of at most 4 numbers, "
                     "got " + std::to_string(given.size()));
  for (std::size_t i = 0; i < given.size(); ++i) {
    v[i] = static_cast<float>(given[i]);
    if (!std::isfinite(v[i])) {
      std::ostringstream value;
      value << given[i];
      throw sdk::Error(std::string("config key '") + key + "': " + value.str() +
                       " is out of the range of a 32-bit float (+-3.4e38)");
    }
  }
  return v;
}

// Declared in (0, 1] except that the declaration cannot exclude 0 itself.
float cropFraction(const sdk::Config& config, const char* key) {
  const double v = config.get<double>(key, 1.0);
  if (!(v > 0))
    throw sdk::Error(std::string("config key '") + key + "' must be a number in (0, 1], got 0");
  return static_cast<float>(v);
}

}  // namespace

class ImageSource final : public sdk::InputSource {
 public:
  ImageSource(const sdk::Config& config, const std::vector<sdk::InputDesc>& descs)
      : model_(copyModelInputs(descs)) {
    const std::string format = config.get<std::string>("format", "BGR");
    if (!parsePixelFormat(format, &params_.format))
      throw sdk::Error("config key 'format': unknown value '" + format +
                       "'; allowed: RGB, BGR, RGBA, BGRA, GRAY");
    const auto mean = numberList(config, "mean", 0.0f);
    const auto normal = numberList(config, "normal", 1.0f);
    std::copy(mean.begin(), mean.end(), params_.mean);
    std::copy(normal.begin(), normal.end(), params_.normal);
    params_.centerCropH = cropFraction(config, "center_crop_h");
    params_.centerCropW = cropFraction(config, "center_crop_w");
    params_.width = config.get<int>("width", 0);  // declared 1..65535; 0: not given
    params_.height = config.get<int>("height", 0);
    maxPixels_ = config.get<int64_t>("max_image_pixels", kDefaultMaxImagePixels);

    const auto overrides = parseInputsKey(config, model_);
    resolveImageShape(findOverride(overrides, model_[0].name));
    for (std::size_t k = 1; k < model_.size(); ++k) {
      const InputOverride* o = findOverride(overrides, model_[k].name);
      if (!o || o->shape.empty() || !o->hasValue)
        throw sdk::Error("model input '" + model_[k].name +
                         "' is not fed by image samples (images feed the first input, '" +
                         model_[0].name + "'): give it a constant in config key 'inputs' "
                         "({\"name\": ..., \"shape\": [...], \"value\": ...}) or use "
                         "input_type \"npy\" or \"sequence\"");
      constants_.push_back({o->shape, static_cast<float>(o->value)});
    }

    entries_ = listSampleFolder(requiredPath(config), EntryKinds::kFilesOnly,
                                usedSampleCount(config), "image files");
  }

  void inputShape(uint32_t input, sdk::InputDesc& desc) const override {
    writeShape(input == 0 ? imageShape_ : constants_[input - 1].shape, desc);
  }

  uint64_t count() const override { return entries_.size(); }

  const char* sampleName(uint64_t i) const override {
    return entries_[i].name.c_str();  // the host asks only for i < count()
  }

  void load(uint64_t i, float* const* buffers) const override {
    const RgbaImage image = decodeRgba(entries_[i].path, maxPixels_);
    try {
      preprocessLikeMnn(image.pixels.get(), image.width, image.height, params_,
                        model_[0].channelsLast(), buffers[0]);
    } catch (const std::runtime_error& e) {
      throw sdk::SkipSample(e.what());
    }
    for (std::size_t k = 0; k < constants_.size(); ++k)
      std::fill_n(buffers[k + 1], elementCount(constants_[k].shape), constants_[k].value);
  }

 private:
  struct Constant {
    std::vector<int64_t> shape;
    float value;
  };

  // [1,C,H,W] (or [1,H,W,C] for an NHWC input) from format/width/height, or the `inputs` shape.
  void resolveImageShape(const InputOverride* override) {
    const ModelInput& in = model_[0];
    const bool last = in.channelsLast();
    const int64_t channels = channelCount(params_.format);
    if (!in.dims.empty() && in.dims.size() != 4)
      throw sdk::Error("model input '" + in.name + "' has " + std::to_string(in.dims.size()) +
                       " dimensions; image samples need a 4-D input (use input_type \"npy\" or "
                       "\"sequence\")");
    if (override && !override->shape.empty()) {
      const auto& s = override->shape;
      if (s.size() != 4 || s[0] != 1)
        throw sdk::Error("config key 'inputs': shape of '" + in.name + "' must be [1," +
                         (last ? "H,W,C" : "C,H,W") + "] for image samples, got " + shapeText(s));
      const int64_t c = last ? s[3] : s[1], h = last ? s[1] : s[2], w = last ? s[2] : s[3];
      if (c != channels)
        throw sdk::Error("config key 'inputs': shape " + shapeText(s) + " of '" + in.name +
                         "' has " + std::to_string(c) + " channels but format gives " +
                         std::to_string(channels));
      if ((params_.width && params_.width != w) || (params_.height && params_.height != h))
        throw sdk::Error("config key 'inputs': shape " + shapeText(s) + " of '" + in.name +
                         "' disagrees with width/height " + std::to_string(params_.width) + "x" +
                         std::to_string(params_.height));
      params_.width = static_cast<int>(w);
      params_.height = static_cast<int>(h);
    }
    if (params_.width <= 0 || params_.height <= 0)
      throw sdk::Error("config keys 'width' and 'height' (the resized image size) are required "
                       "for image samples");
    const int64_t modelChannels = in.dims.empty() ? -1 : (last ? in.dims[3] : in.dims[1]);
    if (modelChannels > 0 && modelChannels != channels)
      throw sdk::Error("model input '" + in.name + "' " + shapeText(in.dims) + " has " +
                       std::to_string(modelChannels) + " channels but format gives " +
                       std::to_string(channels) + " (set config key 'format')");
    const int64_t h = params_.height, w = params_.width;
    imageShape_ = last ? std::vector<int64_t>{1, h, w, channels}
                       : std::vector<int64_t>{1, channels, h, w};
  }

  std::vector<ModelInput> model_;
  PreprocessParams params_;
  std::vector<int64_t> imageShape_;
  std::vector<Constant> constants_;
  std::vector<SampleEntry> entries_;
  int64_t maxPixels_ = kDefaultMaxImagePixels;
};

}  // namespace mnnq::input

namespace {
const char* const kFormats[] = {"RGB", "BGR", "RGBA", "BGRA", "GRAY"};

const mnnq_config_key kImageKeys[] = {
    mnnq::sdk::choiceKey("format", "\"BGR\"", "pixel format fed to the model", kFormats),
    mnnq::sdk::numberListKey("mean", "[0,0,0,0]",
                             "per channel (at most 4): value = (pixel - mean) * normal"),
    mnnq::sdk::numberListKey("normal", "[1,1,1,1]",
                             "per channel (at most 4): value = (pixel - mean) * normal"),
    mnnq::sdk::intKey("width", nullptr, "width of the resized image (required)", 1, 65535),
    mnnq::sdk::intKey("height", nullptr, "height of the resized image (required)", 1, 65535),
    mnnq::sdk::intKey("max_image_pixels", "64000000",
                      "images with more pixels (width x height, read from the header before "
                      "decoding) are skipped; a decoded image takes 4 bytes per pixel",
                      1, 2147483647.0),
    mnnq::sdk::numberKey("center_crop_h", "1.0",
                         "fraction of the image height kept by the centre crop, in (0, 1]", 0, 1),
    mnnq::sdk::numberKey("center_crop_w", "1.0",
                         "fraction of the image width kept by the centre crop, in (0, 1]", 0, 1),
};
}  // namespace

MNNQ_EXPORT_INPUT_SOURCE(mnnq::input::ImageSource, "image", "1.0.0",
                         "image files decoded with stb_image and preprocessed exactly like MNN's "
                         "quantization tool",
                         mnnq::sdk::PluginKeys(kImageKeys,
                                               mnnq::input::kSourceHostKeys))
