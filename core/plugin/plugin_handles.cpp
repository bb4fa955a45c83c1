// Vtable calls with status checking; one message buffer per call, so concurrent calls never
// share one.
#include "mnnq/core/plugin_handles.hpp"

#include "result_checks.hpp"

#include <utility>

namespace mnnq {
namespace {

constexpr size_t kMessageCapacity = 4096;

struct Message {
  char text[kMessageCapacity];
  mnnq_message abi;
  Message() : abi{text, kMessageCapacity} { text[0] = '\0'; }
  std::string str() {
    text[kMessageCapacity - 1] = '\0';  // a plugin ignoring the capacity cannot make us overread
    return text;
  }
};

[[noreturn]] void fail(const LoadedPlugin& plugin, const char* call, mnnq_status status,
                       Message& message, bool during_create = false) {
  std::string text = message.str();
  if (text.empty()) text = "(no message)";
  throw PluginError(plugin.label() + ": " + call + " failed (" + statusName(status) + "): " + text,
                    status, during_create);
}

}  // namespace

const char* statusName(mnnq_status status) {
  switch (status) {
    case MNNQ_OK: return "OK";
    case MNNQ_SKIP: return "SKIP";
    case MNNQ_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case MNNQ_INVALID_STATE: return "INVALID_STATE";
    case MNNQ_UNSUPPORTED: return "UNSUPPORTED";
    case MNNQ_IO_ERROR: return "IO_ERROR";
    case MNNQ_INTERNAL_ERROR: return "INTERNAL_ERROR";
  }
  return "UNKNOWN_STATUS";
}

// The plugin's host context, built from the configuration text the plugin would receive.
std::unique_ptr<PluginHost> makeHost(const LoadedPlugin& plugin, const std::string& config_json,
                                     const HostOptions& options) {
  nlohmann::json config;
  try {
    config = nlohmann::json::parse(config_json);
  } catch (const nlohmann::json::exception& e) {
    throw PluginError(plugin.label() + ": create failed (INVALID_ARGUMENT): the configuration "
                      "is not JSON: " + e.what(),
                      MNNQ_INVALID_ARGUMENT, true);
  }
  return std::make_unique<PluginHost>(config, plugin.name(), options);
}

// ---- CalibratorHandle -------------------------------------------------------------------

CalibratorHandle::CalibratorHandle(const LoadedPlugin& plugin, const std::string& config_json,
                                   const HostOptions& host)
    : keep_(plugin.shared_from_this()), plugin_(&plugin),
      host_(makeHost(plugin, config_json, host)) {
  Message m;
  mnnq_status s =
      plugin.calibratorVtable().create(config_json.c_str(), host_->abi(), &object_, &m.abi);
  if (s != MNNQ_OK) fail(plugin, "create", s, m, true);
  if (!object_) fail(plugin, "create (returned no object)", MNNQ_INTERNAL_ERROR, m);
}

CalibratorHandle::CalibratorHandle(CalibratorHandle&& other) noexcept
    : keep_(std::move(other.keep_)), plugin_(other.plugin_), host_(std::move(other.host_)),
      object_(std::exchange(other.object_, nullptr)), state_(other.state_),
      num_tensors_(other.num_tensors_), num_shards_(other.num_shards_),
      num_passes_(other.num_passes_), pass_(other.pass_), pass_flags_(other.pass_flags_) {}

CalibratorHandle& CalibratorHandle::operator=(CalibratorHandle&& other) noexcept {
  if (this != &other) {
    if (object_) plugin_->calibratorVtable().destroy(object_);
    keep_ = std::move(other.keep_);
    plugin_ = other.plugin_;
    host_ = std::move(other.host_);
    object_ = std::exchange(other.object_, nullptr);
    state_ = other.state_;
    num_tensors_ = other.num_tensors_;
    num_shards_ = other.num_shards_;
    num_passes_ = other.num_passes_;
    pass_ = other.pass_;
    pass_flags_ = other.pass_flags_;
  }
  return *this;
}

CalibratorHandle::~CalibratorHandle() {
  if (object_) plugin_->calibratorVtable().destroy(object_);
}

bool CalibratorHandle::sharesScales() const {
  return (plugin_->flags() & MNNQ_CALIBRATOR_SHARE_SCALES) != 0;
}

bool CalibratorHandle::hasTransform() const {
  return (plugin_->flags() & MNNQ_CALIBRATOR_TRANSFORMS) != 0 &&
         plugin_->calibratorVtable().transform != nullptr;
}

bool CalibratorHandle::reproducesMnn() const {
  return (plugin_->flags() & MNNQ_CALIBRATOR_REPRODUCES_MNN) != 0;
}

void CalibratorHandle::outOfOrder(const std::string& what) const {
  throw PluginError(plugin_->label() + ": call order: " + what + " (a host bug)",
                    MNNQ_INVALID_STATE, false);
}

uint32_t CalibratorHandle::prepare(const std::vector<mnnq_tensor_desc>& tensors,
                                   uint32_t num_shards) {
  if (state_ != State::Created) outOfOrder("prepare called twice");
  if (num_shards == 0) outOfOrder("prepare with 0 shards");
  for (size_t i = 0; i < tensors.size(); ++i)
    if (tensors[i].index != i)
      outOfOrder("tensor " + std::to_string(i) + " has index " + std::to_string(tensors[i].index));
  Message m;
  uint32_t passes = 0;
  num_tensors_ = static_cast<uint32_t>(tensors.size());
  num_shards_ = num_shards;
  mnnq_status s = plugin_->calibratorVtable().prepare(object_, tensors.data(), num_tensors_,
                                                      num_shards, &passes, &m.abi);
  if (s != MNNQ_OK) fail(*plugin_, "prepare", s, m);
  if (passes == 0) fail(*plugin_, "prepare (asked for 0 passes)", MNNQ_INTERNAL_ERROR, m);
  plugin_checks::checkPasses(plugin_->label(), passes);
  num_passes_ = passes;
  state_ = State::Prepared;
  return passes;
}

mnnq_pass_desc CalibratorHandle::beginPass(uint32_t pass) {
  const bool next = (state_ == State::Prepared && pass == 0) ||
                    (state_ == State::BetweenPasses && pass == pass_ + 1);
  if (!next || pass >= num_passes_)
    outOfOrder("begin_pass(" + std::to_string(pass) + ") out of order (" +
               std::to_string(num_passes_) + " passes)");
  Message m;
  mnnq_pass_desc desc{};
  desc.flags = MNNQ_PASS_OBSERVE;
  desc.batch_size = 1;
  mnnq_status s = plugin_->calibratorVtable().begin_pass(object_, pass, &desc, &m.abi);
  if (s != MNNQ_OK) fail(*plugin_, "begin_pass", s, m);
  if ((desc.flags & MNNQ_PASS_TRANSFORM) && !hasTransform())
    throw PluginError(plugin_->label() + ": begin_pass asked for a TRANSFORM pass, but the "
                      "plugin does not declare MNNQ_CALIBRATOR_TRANSFORMS with a transform "
                      "function", MNNQ_INTERNAL_ERROR, false);
  if (desc.weight_bits != 0 && (desc.weight_bits < 2 || desc.weight_bits > 8))
    throw PluginError(plugin_->label() + ": begin_pass asked for " +
                      std::to_string(desc.weight_bits) + "-bit weights (2..8)",
                      MNNQ_INTERNAL_ERROR, false);
  pass_ = pass;
  pass_flags_ = desc.flags;
  state_ = State::InPass;
  return desc;
}

void CalibratorHandle::deliver(bool transform, uint32_t pass, uint32_t shard,
                               uint64_t first_sample, uint32_t batch, uint32_t tensor,
                               float* data, uint64_t count) {
  const char* call = transform ? "transform" : "observe";
  const uint32_t wanted = transform ? MNNQ_PASS_TRANSFORM : MNNQ_PASS_OBSERVE;
  if (state_ != State::InPass || pass != pass_)
    outOfOrder(std::string(call) + " for pass " + std::to_string(pass) + " outside it");
  if (!(pass_flags_ & wanted))
    outOfOrder(std::string(call) + " in pass " + std::to_string(pass) + ", which did not ask for it");
  if (shard >= num_shards_ || tensor >= num_tensors_ || batch == 0)
    outOfOrder(std::string(call) + " with shard " + std::to_string(shard) + " of " +
               std::to_string(num_shards_) + ", tensor " + std::to_string(tensor) + " of " +
               std::to_string(num_tensors_) + ", batch " + std::to_string(batch));
  mnnq_tensor_batch b{};
  b.struct_size = sizeof(mnnq_tensor_batch);
  b.pass = pass;
  b.shard = shard;
  b.tensor = tensor;
  b.first_sample = first_sample;
  b.batch = batch;
  b.data = data;
  b.count = count;
  Message m;
  const auto& vt = plugin_->calibratorVtable();
  mnnq_status s = transform ? vt.transform(object_, &b, &m.abi) : vt.observe(object_, &b, &m.abi);
  if (s != MNNQ_OK) fail(*plugin_, call, s, m);
}

void CalibratorHandle::observe(uint32_t pass, uint32_t shard, uint64_t first_sample,
                               uint32_t batch, uint32_t tensor, float* data, uint64_t count) {
  deliver(false, pass, shard, first_sample, batch, tensor, data, count);
}

void CalibratorHandle::transform(uint32_t pass, uint32_t shard, uint64_t first_sample,
                                 uint32_t batch, uint32_t tensor, float* data, uint64_t count) {
  deliver(true, pass, shard, first_sample, batch, tensor, data, count);
}

void CalibratorHandle::endPass(uint32_t pass) {
  if (state_ != State::InPass || pass != pass_)
    outOfOrder("end_pass(" + std::to_string(pass) + ") without begin_pass");
  Message m;
  mnnq_status s = plugin_->calibratorVtable().end_pass(object_, pass, &m.abi);
  if (s != MNNQ_OK) fail(*plugin_, "end_pass", s, m);
  state_ = State::BetweenPasses;
}

std::vector<mnnq_feature_params> CalibratorHandle::compute() {
  if (state_ != State::BetweenPasses || pass_ + 1 != num_passes_)
    outOfOrder("compute before the last of " + std::to_string(num_passes_) +
               " passes ended, or twice");
  Message m;
  std::vector<mnnq_feature_params> out(num_tensors_, mnnq_feature_params{});
  mnnq_status s = plugin_->calibratorVtable().compute(object_, out.data(), &m.abi);
  if (s != MNNQ_OK) fail(*plugin_, "compute", s, m);
  state_ = State::Done;
  plugin_checks::checkFeatureParams(plugin_->label(), out);
  return out;
}

// ---- WeightQuantizerHandle --------------------------------------------------------------

WeightQuantizerHandle::WeightQuantizerHandle(const LoadedPlugin& plugin,
                                             const std::string& config_json,
                                             const HostOptions& host)
    : keep_(plugin.shared_from_this()), plugin_(&plugin),
      host_(makeHost(plugin, config_json, host)) {
  Message m;
  mnnq_status s =
      plugin.weightQuantizerVtable().create(config_json.c_str(), host_->abi(), &object_, &m.abi);
  if (s != MNNQ_OK) fail(plugin, "create", s, m, true);
  if (!object_) fail(plugin, "create (returned no object)", MNNQ_INTERNAL_ERROR, m);
}

WeightQuantizerHandle::WeightQuantizerHandle(WeightQuantizerHandle&& other) noexcept
    : keep_(std::move(other.keep_)), plugin_(other.plugin_), host_(std::move(other.host_)),
      object_(std::exchange(other.object_, nullptr)) {}

WeightQuantizerHandle& WeightQuantizerHandle::operator=(WeightQuantizerHandle&& other) noexcept {
  if (this != &other) {
    if (object_) plugin_->weightQuantizerVtable().destroy(object_);
    keep_ = std::move(other.keep_);
    plugin_ = other.plugin_;
    host_ = std::move(other.host_);
    object_ = std::exchange(other.object_, nullptr);
  }
  return *this;
}

WeightQuantizerHandle::~WeightQuantizerHandle() {
  if (object_) plugin_->weightQuantizerVtable().destroy(object_);
}

void WeightQuantizerHandle::quantize(const mnnq_weight_desc& w, mnnq_weight_result& result) const {
  const std::string op = std::string("convolution '") + (w.op_name ? w.op_name : "?") + "'";
  auto bad = [&](const std::string& what) {
    throw PluginError(plugin_->label() + ": quantize of " + op + " not called: " + what,
                      MNNQ_INVALID_STATE, false);
  };
  const uint64_t expected = uint64_t(w.out_channels) * w.in_channels_per_group * w.kernel_h *
                            w.kernel_w;
  if (w.out_channels == 0) bad("out_channels is 0");
  if (expected != w.count)
    bad(std::to_string(w.count) + " weights, but out_channels * in_channels_per_group * "
        "kernel_h * kernel_w = " + std::to_string(expected));
  if (w.bits < 2 || w.bits > 8) bad("quant_bits " + std::to_string(w.bits) + " outside 2..8");
  if (w.clamp < 1 || w.clamp > 127) bad("clamp " + std::to_string(w.clamp) + " outside 1..127");
  if (w.count > 0 && !w.data) bad("no weight data");
  if (!result.scales || !result.zero_points || (w.count > 0 && !result.values))
    bad("no result buffers");
  Message m;
  mnnq_status s = plugin_->weightQuantizerVtable().quantize(object_, &w, &result, &m.abi);
  if (s != MNNQ_OK) {
    std::string call = std::string("quantize of '") + (w.op_name ? w.op_name : "?") + "'";
    fail(*plugin_, call.c_str(), s, m);
  }
  plugin_checks::checkWeightResult(plugin_->label(), w, result);
}

// ---- InputSourceHandle ------------------------------------------------------------------

InputSourceHandle::InputSourceHandle(const LoadedPlugin& plugin, const std::string& config_json,
                                     const std::vector<mnnq_input_desc>& model_inputs,
                                     const HostOptions& host)
    : keep_(plugin.shared_from_this()), plugin_(&plugin),
      host_(makeHost(plugin, config_json, host)), inputs_(model_inputs) {
  for (const auto& input : inputs_) input_names_.push_back(input.name ? input.name : "");
  for (size_t i = 0; i < inputs_.size(); ++i) inputs_[i].name = input_names_[i].c_str();
  Message m;
  mnnq_status s = plugin.inputSourceVtable().create(config_json.c_str(), host_->abi(),
                                                    inputs_.data(),
                                                    static_cast<uint32_t>(inputs_.size()),
                                                    &object_, &m.abi);
  if (s != MNNQ_OK) fail(plugin, "create", s, m, true);
  if (!object_) fail(plugin, "create (returned no object)", MNNQ_INTERNAL_ERROR, m);
  count_ = plugin.inputSourceVtable().count(object_);
  plugin_checks::checkSampleCount(plugin.label(), count_);
}

InputSourceHandle::InputSourceHandle(InputSourceHandle&& other) noexcept
    : keep_(std::move(other.keep_)), plugin_(other.plugin_), host_(std::move(other.host_)),
      object_(std::exchange(other.object_, nullptr)), count_(other.count_),
      inputs_(std::move(other.inputs_)), input_names_(std::move(other.input_names_)) {}

InputSourceHandle& InputSourceHandle::operator=(InputSourceHandle&& other) noexcept {
  if (this != &other) {
    if (object_) plugin_->inputSourceVtable().destroy(object_);
    keep_ = std::move(other.keep_);
    plugin_ = other.plugin_;
    host_ = std::move(other.host_);
    object_ = std::exchange(other.object_, nullptr);
    count_ = other.count_;
    inputs_ = std::move(other.inputs_);
    input_names_ = std::move(other.input_names_);
  }
  return *this;
}

InputSourceHandle::~InputSourceHandle() {
  if (object_) plugin_->inputSourceVtable().destroy(object_);
}

mnnq_input_desc InputSourceHandle::inputShape(uint32_t input) {
  if (input >= inputs_.size())
    throw std::out_of_range(plugin_->label() + ": input_shape asked for input " +
                            std::to_string(input) + " of " + std::to_string(inputs_.size()));
  Message m;
  mnnq_input_desc desc = inputs_[input];
  mnnq_status s = plugin_->inputSourceVtable().input_shape(object_, input, &desc, &m.abi);
  if (s != MNNQ_OK) fail(*plugin_, "input_shape", s, m);
  desc.name = inputs_[input].name;
  desc.layout = inputs_[input].layout;
  if (desc.ndim < 0 || desc.ndim > MNNQ_MAX_DIMS)
    throw PluginError(plugin_->label() + ": input_shape gave " + std::to_string(desc.ndim) +
                          " dims for input '" + input_names_[input] + "'",
                      MNNQ_INTERNAL_ERROR, false);
  for (int32_t d = 0; d < desc.ndim; ++d)
    if (desc.dims[d] <= 0)
      throw PluginError(plugin_->label() + ": input_shape left dim " + std::to_string(d) +
                            " of input '" + input_names_[input] + "' unknown (" +
                            std::to_string(desc.dims[d]) + ")",
                        MNNQ_INTERNAL_ERROR, false);
  return desc;
}

std::string InputSourceHandle::sampleName(uint64_t i) {
  const char* name = i < count_ ? plugin_->inputSourceVtable().sample_name(object_, i) : nullptr;
  return name ? name : "sample " + std::to_string(i);
}

bool InputSourceHandle::load(uint64_t i, float* const* buffers, std::string* skip_reason) {
  if (i >= count_)
    throw PluginError(plugin_->label() + ": load of sample " + std::to_string(i) + " of " +
                          std::to_string(count_) + " not called (a host bug)",
                      MNNQ_INVALID_STATE, false);
  Message m;
  mnnq_status s = plugin_->inputSourceVtable().load(object_, i, buffers, &m.abi);
  if (s == MNNQ_OK) return true;
  if (s == MNNQ_SKIP) {
    if (skip_reason) *skip_reason = m.str();
    return false;
  }
  std::string call = "load of '" + sampleName(i) + "'";
  fail(*plugin_, call.c_str(), s, m);
}

}  // namespace mnnq
