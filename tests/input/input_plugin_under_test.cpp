#include "input_plugin_under_test.hpp"

#include "fixtures.hpp"

#include <boost/dll/shared_library.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>

namespace mnnq::test {
namespace {

struct Loaded {
  boost::dll::shared_library library;
  const mnnq_plugin_info* info = nullptr;
};

const Loaded& loadPlugin(const std::string& target) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<Loaded>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto& slot = cache[target];
  if (!slot) {
    auto loaded = std::make_unique<Loaded>();
    const std::string path = buildBinDir() + "/libmnnq_" + target + ".so";
    loaded->library.load(path);
    auto& entry = loaded->library.get_alias<const mnnq_plugin_info*()>(MNNQ_PLUGIN_ENTRY_NAME);
    loaded->info = entry();
    if (!loaded->info || loaded->info->abi_version != MNNQ_ABI_VERSION ||
        loaded->info->kind != MNNQ_KIND_INPUT_SOURCE)
      throw std::runtime_error(path + ": not an input plugin of this ABI version");
    slot = std::move(loaded);
  }
  return *slot;
}

struct Descs {
  std::vector<mnnq_input_desc> descs;
  explicit Descs(const std::vector<ModelInputSpec>& inputs) {
    for (const auto& in : inputs) {
      mnnq_input_desc d{};
      d.name = in.name.c_str();
      d.ndim = static_cast<int32_t>(in.dims.size());
      for (std::size_t i = 0; i < in.dims.size(); ++i) d.dims[i] = in.dims[i];
      d.layout = in.layout;
      descs.push_back(d);
    }
  }
};

}  // namespace

const mnnq_plugin_info& inputPluginInfo(const std::string& target) {
  return *loadPlugin(target).info;
}

CallResult InputSourceUnderTest::tryCreate(const std::string& target, const nlohmann::json& config,
                                           const std::vector<ModelInputSpec>& inputs) {
  const auto* vtbl = static_cast<const mnnq_input_source_vtbl*>(inputPluginInfo(target).vtable);
  Descs d(inputs);
  char text[2048] = {0};
  mnnq_message msg{text, sizeof text};
  mnnq_input_source* source = nullptr;
  CallResult r;
  PluginHost host(config, target, HostOptions{});
  r.status = vtbl->create(config.dump().c_str(), host.abi(), d.descs.data(),
                          static_cast<uint32_t>(d.descs.size()), &source, &msg);
  r.message = text;
  if (source) vtbl->destroy(source);
  return r;
}

InputSourceUnderTest::InputSourceUnderTest(const std::string& target, const nlohmann::json& config,
                                           const std::vector<ModelInputSpec>& inputs)
    : vtbl_(static_cast<const mnnq_input_source_vtbl*>(inputPluginInfo(target).vtable)),
      host_(std::make_unique<PluginHost>(config, target, HostOptions{})),
      numInputs_(static_cast<uint32_t>(inputs.size())) {
  Descs d(inputs);
  char text[2048] = {0};
  mnnq_message msg{text, sizeof text};
  const mnnq_status status =
      vtbl_->create(config.dump().c_str(), host_->abi(), d.descs.data(), numInputs_, &source_,
                    &msg);
  if (status != MNNQ_OK)
    throw std::runtime_error("create failed (status " + std::to_string(status) + "): " + text);
}

InputSourceUnderTest::~InputSourceUnderTest() {
  if (source_) vtbl_->destroy(source_);
}

std::vector<int32_t> InputSourceUnderTest::shape(uint32_t input) const {
  mnnq_input_desc desc{};
  char text[1024] = {0};
  mnnq_message msg{text, sizeof text};
  if (vtbl_->input_shape(source_, input, &desc, &msg) != MNNQ_OK)
    throw std::runtime_error(std::string("input_shape failed: ") + text);
  return std::vector<int32_t>(desc.dims, desc.dims + desc.ndim);
}

uint64_t InputSourceUnderTest::count() const { return vtbl_->count(source_); }

std::string InputSourceUnderTest::name(uint64_t i) const { return vtbl_->sample_name(source_, i); }

CallResult InputSourceUnderTest::load(uint64_t i, std::vector<std::vector<float>>& out) const {
  out.resize(numInputs_);
  std::vector<float*> buffers;
  for (uint32_t k = 0; k < numInputs_; ++k) {
    std::size_t n = 1;
    for (int32_t d : shape(k)) n *= static_cast<std::size_t>(d);
    out[k].assign(n, -12345.0f);  // a value no test expects, to catch unwritten elements
    buffers.push_back(out[k].data());
  }
  char text[2048] = {0};
  mnnq_message msg{text, sizeof text};
  CallResult r;
  r.status = vtbl_->load(source_, i, buffers.data(), &msg);
  r.message = text;
  return r;
}

}  // namespace mnnq::test
