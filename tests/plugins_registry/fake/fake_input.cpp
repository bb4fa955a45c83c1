// Input source for tests: `tin_count` samples of one input filled with the sample index;
// sample 1 is skipped. Declares image-like keys to exercise every key type.
#include <mnnq/plugin.hpp>

class FakeInput final : public mnnq::sdk::InputSource {
 public:
  FakeInput(const mnnq::sdk::Config& config, std::vector<mnnq::sdk::InputDesc> inputs)
      : inputs_(std::move(inputs)), count_(config.get<int>("tin_count", 3)),
        width_(config.get<int>("width", 4)) {
    for (uint64_t i = 0; i < count_; ++i) names_.push_back("sample" + std::to_string(i));
  }
  void inputShape(uint32_t, mnnq::sdk::InputDesc& desc) const override {
    desc.ndim = 2;
    desc.dims[0] = 1;
    desc.dims[1] = width_;
  }
  uint64_t count() const override { return count_; }
  const char* sampleName(uint64_t i) const override { return i < count_ ? names_[i].c_str() : "?"; }
  void load(uint64_t i, float* const* buffers) const override {
    if (i == 1) throw mnnq::sdk::SkipSample("sample1 is unreadable on purpose");
    if (i == 2 && width_ == 7) throw mnnq::sdk::Error("sample2 fails at width 7", MNNQ_IO_ERROR);
    for (int k = 0; k < width_; ++k) buffers[0][k] = static_cast<float>(i);
  }

 private:
  std::vector<mnnq::sdk::InputDesc> inputs_;
  uint64_t count_;
  int width_;
  std::vector<std::string> names_;
};

static const char* const kFormats[] = {"RGB", "BGR", "RGBA", "BGRA", "GRAY"};
static const mnnq_config_key kKeys[] = {
    mnnq::sdk::choiceKey("format", "\"BGR\"", "pixel format", kFormats),
    mnnq::sdk::makeKey(MNNQ_VALUE_NUMBER_LIST, "mean", "[0,0,0,0]", "per channel mean"),
    mnnq::sdk::makeKey(MNNQ_VALUE_INT, "width", nullptr, "width", mnnq::sdk::kBounded, 1, 65535),
    mnnq::sdk::makeKey(MNNQ_VALUE_NUMBER, "center_crop_h", "1.0", "kept fraction", mnnq::sdk::kBounded, 0, 1),
    mnnq::sdk::makeKey(MNNQ_VALUE_INT_LIST, "shape_list", "[1,2]", "ints", mnnq::sdk::kBounded, 1, 100),
    mnnq::sdk::makeKey(MNNQ_VALUE_INT, "tin_count", "3", "number of samples", mnnq::sdk::kBounded, 0, 1000),
};

// Reads `path` (a host key): this source reads files.
static const char* const kHostKeys[] = {"path"};

MNNQ_EXPORT_INPUT_SOURCE(FakeInput, "testimg", "1.0.0", "test input source",
                         mnnq::sdk::PluginKeys(kKeys, kHostKeys))
