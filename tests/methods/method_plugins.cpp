#include "method_plugins.hpp"

#include "fixtures.hpp"

#include <boost/dll/shared_library.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <thread>

namespace mnnq::test {

namespace {

struct Loaded {
  boost::dll::shared_library library;
  const mnnq_plugin_info* info = nullptr;
};

void check(mnnq_status status, const char* call, const std::string& target, const char* text) {
  if (status != MNNQ_OK)
    throw PluginCallError(target + ": " + call + " failed (status " + std::to_string(status) +
                              "): " + text,
                          status);
}

}  // namespace

const mnnq_plugin_info& methodPlugin(const std::string& target) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<Loaded>> loaded;  // kept until exit
  std::lock_guard<std::mutex> lock(mutex);
  auto it = loaded.find(target);
  if (it != loaded.end()) return *it->second->info;
  auto entry = std::make_unique<Loaded>();
  const std::string file = buildBinDir() + "/libmnnq_" + target + ".so";
  entry->library.load(file);
  auto& fn = entry->library.get_alias<const mnnq_plugin_info*()>(MNNQ_PLUGIN_ENTRY_NAME);
  entry->info = fn();
  if (!entry->info || entry->info->abi_version != MNNQ_ABI_VERSION)
    throw std::runtime_error(file + ": missing info or ABI version mismatch");
  const mnnq_plugin_info& info = *entry->info;
  loaded.emplace(target, std::move(entry));
  return info;
}

Calibrator::Calibrator(const std::string& target, const std::string& config_json,
                       unsigned threads)
    : info_(&methodPlugin(target)),
      host_(std::make_unique<PluginHost>(nlohmann::json::parse(config_json), target,
                                         HostOptions{threads, true, nullptr})) {
  if (info_->kind != MNNQ_KIND_FEATURE_CALIBRATOR)
    throw std::runtime_error(target + " is not a feature calibrator");
  vt_ = static_cast<const mnnq_calibrator_vtbl*>(info_->vtable);
  char text[1024] = {0};
  mnnq_message msg{text, sizeof text};
  check(vt_->create(config_json.c_str(), host_->abi(), &object_, &msg), "create", info_->name,
        text);
}

Calibrator::~Calibrator() {
  if (object_) vt_->destroy(object_);
}

uint32_t Calibrator::prepare(const std::vector<mnnq_tensor_desc>& tensors, uint32_t shards) {
  char text[1024] = {0};
  mnnq_message msg{text, sizeof text};
  uint32_t passes = 0;
  num_tensors_ = uint32_t(tensors.size());
  check(vt_->prepare(object_, tensors.data(), num_tensors_, shards, &passes, &msg), "prepare",
        info_->name, text);
  return passes;
}

mnnq_pass_desc Calibrator::beginPass(uint32_t pass) {
  char text[1024] = {0};
  mnnq_message msg{text, sizeof text};
  mnnq_pass_desc d{};
  check(vt_->begin_pass(object_, pass, &d, &msg), "begin_pass", info_->name, text);
  return d;
}

void Calibrator::observe(uint32_t pass, uint32_t shard, uint64_t first, uint32_t batch,
                         uint32_t tensor, const std::vector<float>& data) {
  char text[1024] = {0};
  mnnq_message msg{text, sizeof text};
  mnnq_tensor_batch b{sizeof(mnnq_tensor_batch), pass, shard, tensor, first, batch, 0,
                      const_cast<float*>(data.data()), data.size()};
  check(vt_->observe(object_, &b, &msg), "observe", info_->name, text);
}

void Calibrator::transform(uint32_t pass, uint32_t shard, uint64_t first, uint32_t batch,
                           uint32_t tensor, std::vector<float>& data) {
  if (!vt_->transform) throw std::runtime_error(std::string(info_->name) + " has no transform");
  char text[1024] = {0};
  mnnq_message msg{text, sizeof text};
  mnnq_tensor_batch b{sizeof(mnnq_tensor_batch), pass, shard, tensor, first, batch, 0, data.data(),
                      data.size()};
  check(vt_->transform(object_, &b, &msg), "transform", info_->name, text);
}

void Calibrator::endPass(uint32_t pass) {
  char text[1024] = {0};
  mnnq_message msg{text, sizeof text};
  check(vt_->end_pass(object_, pass, &msg), "end_pass", info_->name, text);
}

std::vector<mnnq_feature_params> Calibrator::compute() {
  char text[1024] = {0};
  mnnq_message msg{text, sizeof text};
  std::vector<mnnq_feature_params> out(num_tensors_);
  check(vt_->compute(object_, out.data(), &msg), "compute", info_->name, text);
  return out;
}

void createCalibratorOrThrow(const std::string& target, const std::string& config_json) {
  Calibrator c(target, config_json);
}

QuantizedWeights quantizeWeights(const std::string& target, const std::vector<float>& weights,
                                 uint32_t out_channels, uint32_t bits, int32_t clamp,
                                 const std::string& op_name) {
  const mnnq_plugin_info& info = methodPlugin(target);
  if (info.kind != MNNQ_KIND_WEIGHT_QUANTIZER)
    throw std::runtime_error(target + " is not a weight quantizer");
  auto vt = static_cast<const mnnq_weight_quantizer_vtbl*>(info.vtable);
  char text[1024] = {0};
  mnnq_message msg{text, sizeof text};
  mnnq_weight_quantizer* q = nullptr;
  PluginHost host(nlohmann::json::object(), target, HostOptions{});
  check(vt->create("{}", host.abi(), &q, &msg), "create", info.name, text);
  std::unique_ptr<mnnq_weight_quantizer, void (*)(mnnq_weight_quantizer*)> guard(q, vt->destroy);

  mnnq_weight_desc desc{};
  desc.op_name = op_name.c_str();
  desc.data = weights.data();
  desc.count = weights.size();
  desc.out_channels = out_channels;
  desc.in_channels_per_group = out_channels ? uint32_t(weights.size() / out_channels) : 0;
  desc.kernel_h = 1;
  desc.kernel_w = 1;
  desc.bits = bits;
  desc.clamp = clamp;
  QuantizedWeights result;
  result.scales.assign(out_channels, -1.0f);
  result.values.assign(weights.size(), 99);
  std::vector<float> zero_points(out_channels, 0.0f);
  mnnq_weight_result r{result.scales.data(), zero_points.data(), result.values.data(), 0};
  check(vt->quantize(q, &desc, &r, &msg), "quantize", info.name, text);
  if (r.asymmetric) throw std::runtime_error(target + " returned asymmetric weights");
  return result;
}

mnnq_tensor_desc tensorDesc(uint32_t index, const std::vector<int32_t>& dims, uint32_t flags,
                            mnnq_layout layout) {
  static std::vector<std::unique_ptr<std::string>> names;  // keep name strings alive
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  names.push_back(std::make_unique<std::string>("t" + std::to_string(index)));
  mnnq_tensor_desc d{};
  d.index = index;
  d.name = names.back()->c_str();
  d.producer_op = "";
  d.producer_type = "";
  d.ndim = int32_t(dims.size());
  for (std::size_t i = 0; i < dims.size() && i < MNNQ_MAX_DIMS; ++i) d.dims[i] = dims[i];
  d.layout = layout;
  d.flags = flags;
  return d;
}

std::vector<mnnq_feature_params> calibrate(Calibrator& calibrator,
                                           const std::vector<mnnq_tensor_desc>& tensors,
                                           const std::vector<std::vector<std::vector<float>>>& samples,
                                           uint32_t shards, unsigned threads) {
  const uint32_t passes = calibrator.prepare(tensors, shards);
  for (uint32_t pass = 0; pass < passes; ++pass) {
    calibrator.beginPass(pass);
    // Shards are spread over threads; each shard's samples are fed in order by one thread.
    std::vector<std::thread> pool;
    std::vector<std::exception_ptr> errors(threads);
    for (unsigned w = 0; w < threads; ++w)
      pool.emplace_back([&, w] {
        try {
          for (uint32_t shard = w; shard < shards; shard += threads)
            for (std::size_t i = shard; i < samples.size(); i += shards)
              for (uint32_t t = 0; t < tensors.size(); ++t)
                calibrator.observe(pass, shard, i, 1, t, samples[i][t]);
        } catch (...) {
          errors[w] = std::current_exception();
        }
      });
    for (auto& th : pool) th.join();
    for (auto& e : errors)
      if (e) std::rethrow_exception(e);
    calibrator.endPass(pass);
  }
  return calibrator.compute();
}

}  // namespace mnnq::test
