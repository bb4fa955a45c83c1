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
    if (i >= count_) throw mnnq::sdk::Error("no sample " + std::to_string(i), MNNQ_IO_ERROR);
    for (int k = 0; k < width_; ++k) buffers[0][k] = static_cast<float>(i);
  }

 private:
  std::vector<mnnq::sdk::InputDesc> inputs_;
  uint64_t count_;
  int width_;
  std::vector<std::string> names_;
};

static const mnnq_config_key kKeys[] = {
    {"path", MNNQ_VALUE_STRING, nullptr, "folder of samples (declared: this source reads files)", 1, 0},
    {"format", MNNQ_VALUE_STRING, "\"BGR\"", "{RGB|BGR|RGBA|BGRA|GRAY} pixel format", 1, 0},
    {"mean", MNNQ_VALUE_NUMBER_LIST, "[0,0,0,0]", "per channel mean", 1, 0},
    {"width", MNNQ_VALUE_INT, nullptr, "width", 1, 65535},
    {"center_crop_h", MNNQ_VALUE_NUMBER, "1.0", "kept fraction", 0, 1},
    {"shape_list", MNNQ_VALUE_INT_LIST, "[1,2]", "ints", 1, 100},
    {"tin_count", MNNQ_VALUE_INT, "3", "number of samples", 0, 1000},
};

MNNQ_EXPORT_INPUT_SOURCE(FakeInput, "testimg", "1.0.0", "test input source", kKeys)
