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

// ---- CalibratorHandle -------------------------------------------------------------------

CalibratorHandle::CalibratorHandle(const LoadedPlugin& plugin, const std::string& config_json)
    : keep_(plugin.shared_from_this()), plugin_(&plugin) {
  Message m;
  mnnq_status s = plugin.calibratorVtable().create(config_json.c_str(), &object_, &m.abi);
  if (s != MNNQ_OK) fail(plugin, "create", s, m, true);
  if (!object_) fail(plugin, "create (returned no object)", MNNQ_INTERNAL_ERROR, m);
}

CalibratorHandle::CalibratorHandle(CalibratorHandle&& other) noexcept
    : keep_(std::move(other.keep_)), plugin_(other.plugin_),
      object_(std::exchange(other.object_, nullptr)), num_tensors_(other.num_tensors_) {}

CalibratorHandle& CalibratorHandle::operator=(CalibratorHandle&& other) noexcept {
  if (this != &other) {
    if (object_) plugin_->calibratorVtable().destroy(object_);
    keep_ = std::move(other.keep_);
    plugin_ = other.plugin_;
    object_ = std::exchange(other.object_, nullptr);
    num_tensors_ = other.num_tensors_;
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
  return plugin_->calibratorVtable().transform != nullptr;
}

uint32_t CalibratorHandle::prepare(const std::vector<mnnq_tensor_desc>& tensors,
                                   uint32_t num_shards) {
  Message m;
  uint32_t passes = 0;
  num_tensors_ = static_cast<uint32_t>(tensors.size());
  mnnq_status s = plugin_->calibratorVtable().prepare(object_, tensors.data(), num_tensors_,
                                                      num_shards, &passes, &m.abi);
  if (s != MNNQ_OK) fail(*plugin_, "prepare", s, m);
  if (passes == 0) fail(*plugin_, "prepare (asked for 0 passes)", MNNQ_INTERNAL_ERROR, m);
  plugin_checks::checkPasses(plugin_->label(), passes);
  return passes;
}

mnnq_pass_desc CalibratorHandle::beginPass(uint32_t pass) {
  Message m;
  mnnq_pass_desc desc{};
  desc.flags = MNNQ_PASS_OBSERVE;
  desc.batch_size = 1;
  mnnq_status s = plugin_->calibratorVtable().begin_pass(object_, pass, &desc, &m.abi);
  if (s != MNNQ_OK) fail(*plugin_, "begin_pass", s, m);
  return desc;
}

void CalibratorHandle::observe(uint32_t pass, uint32_t shard, uint64_t first_sample,
                               uint32_t batch, uint32_t tensor, const float* data,
                               uint64_t count) {
  Message m;
  mnnq_status s = plugin_->calibratorVtable().observe(object_, pass, shard, first_sample, batch,
                                                      tensor, data, count, &m.abi);
  if (s != MNNQ_OK) fail(*plugin_, "observe", s, m);
}

void CalibratorHandle::transform(uint32_t pass, uint32_t shard, uint64_t first_sample,
                                 uint32_t batch, uint32_t tensor, float* data, uint64_t count) {
  auto fn = plugin_->calibratorVtable().transform;
  if (!fn) return;
  Message m;
  mnnq_status s = fn(object_, pass, shard, first_sample, batch, tensor, data, count, &m.abi);
  if (s != MNNQ_OK) fail(*plugin_, "transform", s, m);
}

void CalibratorHandle::endPass(uint32_t pass) {
  Message m;
  mnnq_status s = plugin_->calibratorVtable().end_pass(object_, pass, &m.abi);
  if (s != MNNQ_OK) fail(*plugin_, "end_pass", s, m);
}

std::vector<mnnq_feature_params> CalibratorHandle::compute() {
  Message m;
  std::vector<mnnq_feature_params> out(num_tensors_, mnnq_feature_params{});
  mnnq_status s = plugin_->calibratorVtable().compute(object_, out.data(), &m.abi);
  if (s != MNNQ_OK) fail(*plugin_, "compute", s, m);
  plugin_checks::checkFeatureParams(plugin_->label(), out);
  return out;
}

// ---- WeightQuantizerHandle --------------------------------------------------------------

WeightQuantizerHandle::WeightQuantizerHandle(const LoadedPlugin& plugin,
                                             const std::string& config_json)
    : keep_(plugin.shared_from_this()), plugin_(&plugin) {
  Message m;
  mnnq_status s = plugin.weightQuantizerVtable().create(config_json.c_str(), &object_, &m.abi);
  if (s != MNNQ_OK) fail(plugin, "create", s, m, true);
  if (!object_) fail(plugin, "create (returned no object)", MNNQ_INTERNAL_ERROR, m);
}

WeightQuantizerHandle::WeightQuantizerHandle(WeightQuantizerHandle&& other) noexcept
    : keep_(std::move(other.keep_)), plugin_(other.plugin_),
      object_(std::exchange(other.object_, nullptr)) {}

WeightQuantizerHandle& WeightQuantizerHandle::operator=(WeightQuantizerHandle&& other) noexcept {
  if (this != &other) {
    if (object_) plugin_->weightQuantizerVtable().destroy(object_);
    keep_ = std::move(other.keep_);
    plugin_ = other.plugin_;
    object_ = std::exchange(other.object_, nullptr);
  }
  return *this;
}

WeightQuantizerHandle::~WeightQuantizerHandle() {
  if (object_) plugin_->weightQuantizerVtable().destroy(object_);
}

void WeightQuantizerHandle::quantize(const mnnq_weight_desc& weights,
                                     mnnq_weight_result& result) const {
  Message m;
  mnnq_status s = plugin_->weightQuantizerVtable().quantize(object_, &weights, &result, &m.abi);
  if (s != MNNQ_OK) {
    std::string call = std::string("quantize of '") + (weights.op_name ? weights.op_name : "?") + "'";
    fail(*plugin_, call.c_str(), s, m);
  }
  plugin_checks::checkWeightResult(plugin_->label(), weights, result);
}

// ---- InputSourceHandle ------------------------------------------------------------------

InputSourceHandle::InputSourceHandle(const LoadedPlugin& plugin, const std::string& config_json,
                                     const std::vector<mnnq_input_desc>& model_inputs)
    : keep_(plugin.shared_from_this()), plugin_(&plugin), inputs_(model_inputs) {
  for (const auto& input : inputs_) input_names_.push_back(input.name ? input.name : "");
  for (size_t i = 0; i < inputs_.size(); ++i) inputs_[i].name = input_names_[i].c_str();
  Message m;
  mnnq_status s = plugin.inputSourceVtable().create(
      config_json.c_str(), inputs_.data(), static_cast<uint32_t>(inputs_.size()), &object_, &m.abi);
  if (s != MNNQ_OK) fail(plugin, "create", s, m, true);
  if (!object_) fail(plugin, "create (returned no object)", MNNQ_INTERNAL_ERROR, m);
}

InputSourceHandle::InputSourceHandle(InputSourceHandle&& other) noexcept
    : keep_(std::move(other.keep_)), plugin_(other.plugin_),
      object_(std::exchange(other.object_, nullptr)), inputs_(std::move(other.inputs_)),
      input_names_(std::move(other.input_names_)) {}

InputSourceHandle& InputSourceHandle::operator=(InputSourceHandle&& other) noexcept {
  if (this != &other) {
    if (object_) plugin_->inputSourceVtable().destroy(object_);
    keep_ = std::move(other.keep_);
    plugin_ = other.plugin_;
    object_ = std::exchange(other.object_, nullptr);
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

uint64_t InputSourceHandle::count() {
  const uint64_t n = plugin_->inputSourceVtable().count(object_);
  plugin_checks::checkSampleCount(plugin_->label(), n);
  return n;
}

std::string InputSourceHandle::sampleName(uint64_t i) {
  const char* name = plugin_->inputSourceVtable().sample_name(object_, i);
  return name ? name : "sample " + std::to_string(i);
}

bool InputSourceHandle::load(uint64_t i, float* const* buffers, std::string* skip_reason) {
  Message m;
  mnnq_status s = plugin_->inputSourceVtable().load(object_, i, buffers, &m.abi);
  if (s == MNNQ_OK) return true;
  if (s == MNNQ_SKIP) {
    if (skip_reason) *skip_reason = m.str();
    return false;
  }
  // Only ask for a name the source has: sample_name has no way to report a bad index.
  std::string name = i < count() ? sampleName(i) : "sample " + std::to_string(i);
  std::string call = "load of '" + name + "'";
  fail(*plugin_, call.c_str(), s, m);
}

}  // namespace mnnq
