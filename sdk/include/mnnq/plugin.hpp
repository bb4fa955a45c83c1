// mnnq plugin SDK for C++ authors.
//
// Write a class deriving from one of FeatureCalibrator, WeightQuantizer or InputSource, list the
// configuration keys it reads, and export it with one macro:
//
//   class Percentile final : public mnnq::sdk::FeatureCalibrator { ... };
//   static const mnnq_config_key kKeys[] = {
//       {"percentile", MNNQ_VALUE_NUMBER, "99.99", "kept fraction of |x|, in percent", 50, 100}};
//   MNNQ_EXPORT_FEATURE_CALIBRATOR(Percentile, "PERCENTILE", "1.0.0",
//                                  "scale from a percentile of |x|", kKeys, 0)
//
// Everything here is header-only and compiled into the plugin, so the plugin depends on the
// host only through the C structs of mnnq/abi.h. The adapters below turn C++ exceptions into
// mnnq_status codes plus a message: throw mnnq::sdk::Error (or any std::exception) from your
// methods and the host prints the text with your plugin's name.
#pragma once

#include <mnnq/abi.h>

#include <boost/dll/alias.hpp>
#include <nlohmann/json.hpp>

#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

namespace mnnq {
namespace sdk {

// An error with a status. Thrown by plugin code; caught at the ABI boundary.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what, mnnq_status status = MNNQ_INVALID_ARGUMENT)
      : std::runtime_error(what), status_(status) {}
  mnnq_status status() const { return status_; }

 private:
  mnnq_status status_;
};

// Thrown by InputSource::load for a sample that should be skipped with a warning.
class SkipSample : public Error {
 public:
  explicit SkipSample(const std::string& why) : Error(why, MNNQ_SKIP) {}
};

// Read-only view of the run configuration (already validated by the host against the keys the
// plugin declared, with defaults filled in).
class Config {
 public:
  explicit Config(const char* json_text) : json_(nlohmann::json::parse(json_text)) {}
  explicit Config(nlohmann::json json) : json_(std::move(json)) {}

  bool has(const std::string& key) const { return json_.contains(key) && !json_[key].is_null(); }

  template <class T>
  T get(const std::string& key, const T& fallback) const {
    if (!has(key)) return fallback;
    try {
      return json_.at(key).get<T>();
    } catch (const std::exception&) {
      throw Error("config key '" + key + "' has the wrong type: " + json_.at(key).dump());
    }
  }

  const nlohmann::json& json() const { return json_; }

 private:
  nlohmann::json json_;
};

using TensorDesc = mnnq_tensor_desc;
using PassDesc = mnnq_pass_desc;
using FeatureParams = mnnq_feature_params;
using WeightDesc = mnnq_weight_desc;
using WeightResult = mnnq_weight_result;
using InputDesc = mnnq_input_desc;

// Number of elements of one sample of a tensor described by ndim/dims.
inline uint64_t elementCount(int32_t ndim, const int32_t* dims) {
  uint64_t n = 1;
  for (int32_t i = 0; i < ndim; ++i) n *= static_cast<uint64_t>(dims[i] > 0 ? dims[i] : 0);
  return n;
}

// ---- the three plugin kinds -------------------------------------------------------------

// A feature calibrator is created once per run from the configuration, told which tensors to
// calibrate, fed every such tensor during one or more passes over the samples, and finally
// asked for per-tensor parameters. See mnnq_calibrator_vtbl in abi.h for the threading rules.
class FeatureCalibrator {
 public:
  virtual ~FeatureCalibrator() = default;

  // Returns the number of passes over the samples this method needs.
  virtual uint32_t prepare(const std::vector<TensorDesc>& tensors, uint32_t num_shards) = 0;

  // What the host should do in pass `pass`. Default: observe, one sample per forward.
  virtual PassDesc beginPass(uint32_t pass) {
    (void)pass;
    PassDesc d{};
    d.flags = MNNQ_PASS_OBSERVE;
    d.batch_size = 1;
    return d;
  }

  virtual void observe(uint32_t pass, uint32_t shard, uint64_t first_sample, uint32_t batch,
                       uint32_t tensor, const float* data, uint64_t count) = 0;

  // Only called in passes whose flags include MNNQ_PASS_TRANSFORM.
  virtual void transform(uint32_t pass, uint32_t shard, uint64_t first_sample, uint32_t batch,
                         uint32_t tensor, float* data, uint64_t count) {
    (void)pass, (void)shard, (void)first_sample, (void)batch, (void)tensor, (void)data, (void)count;
  }

  virtual void endPass(uint32_t pass) { (void)pass; }

  // out arrives sized to the tensors given to prepare(), zero-initialised (valid = 0).
  virtual void compute(std::vector<FeatureParams>& out) = 0;
};

// A weight quantizer maps one convolution's float weights to per-output-channel scales and
// integer values. quantize() must be thread-safe (the host quantizes layers in parallel).
class WeightQuantizer {
 public:
  virtual ~WeightQuantizer() = default;
  virtual void quantize(const WeightDesc& weights, WeightResult& result) const = 0;
};

// An input source lists calibration samples at construction and loads sample i on request.
// load() must be thread-safe for different i (the host decodes ahead on several threads).
class InputSource {
 public:
  virtual ~InputSource() = default;
  // Shape (batch 1) this source produces for model input `input`; fill ndim and dims.
  virtual void inputShape(uint32_t input, InputDesc& desc) const = 0;
  virtual uint64_t count() const = 0;
  virtual const char* sampleName(uint64_t i) const = 0;
  // buffers[k]: room for elementCount(inputShape(k)) floats. Throw SkipSample for bad samples.
  virtual void load(uint64_t i, float* const* buffers) const = 0;
};

// ---- ABI adapters (implementation detail of the export macros) -----------------------------

namespace detail {

inline void writeMessage(mnnq_message* msg, const char* text) {
  if (!msg || !msg->text || msg->capacity == 0) return;
  std::size_t n = std::strlen(text);
  if (n >= msg->capacity) n = msg->capacity - 1;
  std::memcpy(msg->text, text, n);
  msg->text[n] = '\0';
}

template <class F>
mnnq_status guarded(mnnq_message* msg, F&& body) {
  try {
    body();
    return MNNQ_OK;
  } catch (const Error& e) {
    writeMessage(msg, e.what());
    return e.status();
  } catch (const nlohmann::json::exception& e) {
    writeMessage(msg, e.what());
    return MNNQ_INVALID_ARGUMENT;
  } catch (const std::bad_alloc&) {
    writeMessage(msg, "out of memory");
    return MNNQ_INTERNAL_ERROR;
  } catch (const std::exception& e) {
    writeMessage(msg, e.what());
    return MNNQ_INTERNAL_ERROR;
  } catch (...) {
    writeMessage(msg, "unknown exception");
    return MNNQ_INTERNAL_ERROR;
  }
}

template <class T>
struct CalibratorAdapter {
  // The opaque handle: the plugin object plus the tensor count given to prepare(), so compute()
  // can check the size of what it copies into the host's array.
  struct Handle {
    std::unique_ptr<T> impl;
    uint32_t num_tensors = 0;
  };
  static Handle* self(mnnq_calibrator* c) { return reinterpret_cast<Handle*>(c); }

  static mnnq_status create(const char* config_json, mnnq_calibrator** out, mnnq_message* msg) {
    return guarded(msg, [&] {
      Config config(config_json);
      auto handle = std::make_unique<Handle>();
      handle->impl = std::make_unique<T>(config);
      *out = reinterpret_cast<mnnq_calibrator*>(handle.release());
    });
  }
  static mnnq_status prepare(mnnq_calibrator* c, const mnnq_tensor_desc* tensors, uint32_t n,
                             uint32_t shards, uint32_t* passes, mnnq_message* msg) {
    return guarded(msg, [&] {
      self(c)->num_tensors = n;
      *passes = self(c)->impl->prepare(std::vector<TensorDesc>(tensors, tensors + n), shards);
    });
  }
  static mnnq_status beginPass(mnnq_calibrator* c, uint32_t pass, mnnq_pass_desc* desc,
                               mnnq_message* msg) {
    return guarded(msg, [&] { *desc = self(c)->impl->beginPass(pass); });
  }
  static mnnq_status observe(mnnq_calibrator* c, uint32_t pass, uint32_t shard, uint64_t first,
                             uint32_t batch, uint32_t tensor, const float* data, uint64_t count,
                             mnnq_message* msg) {
    return guarded(msg,
                   [&] { self(c)->impl->observe(pass, shard, first, batch, tensor, data, count); });
  }
  static mnnq_status transform(mnnq_calibrator* c, uint32_t pass, uint32_t shard, uint64_t first,
                               uint32_t batch, uint32_t tensor, float* data, uint64_t count,
                               mnnq_message* msg) {
    return guarded(
        msg, [&] { self(c)->impl->transform(pass, shard, first, batch, tensor, data, count); });
  }
  static mnnq_status endPass(mnnq_calibrator* c, uint32_t pass, mnnq_message* msg) {
    return guarded(msg, [&] { self(c)->impl->endPass(pass); });
  }
  static mnnq_status compute(mnnq_calibrator* c, mnnq_feature_params* out, mnnq_message* msg) {
    return guarded(msg, [&] {
      std::vector<FeatureParams> params(self(c)->num_tensors, FeatureParams{});
      self(c)->impl->compute(params);
      if (params.size() != self(c)->num_tensors)
        throw Error("compute() returned " + std::to_string(params.size()) +
                        " entries for " + std::to_string(self(c)->num_tensors) + " tensors",
                    MNNQ_INTERNAL_ERROR);
      std::memcpy(out, params.data(), params.size() * sizeof(FeatureParams));
    });
  }
  static void destroy(mnnq_calibrator* c) { delete self(c); }

  static const mnnq_calibrator_vtbl* vtable() {
    static const mnnq_calibrator_vtbl v = {sizeof(mnnq_calibrator_vtbl), &create, &prepare,
                                           &beginPass, &observe, &transform, &endPass, &compute,
                                           &destroy};
    return &v;
  }
};

template <class T>
struct WeightQuantizerAdapter {
  static mnnq_status create(const char* config_json, mnnq_weight_quantizer** out,
                            mnnq_message* msg) {
    return guarded(msg, [&] {
      Config config(config_json);
      *out = reinterpret_cast<mnnq_weight_quantizer*>(new T(config));
    });
  }
  static mnnq_status quantize(mnnq_weight_quantizer* q, const mnnq_weight_desc* w,
                              mnnq_weight_result* r, mnnq_message* msg) {
    return guarded(msg, [&] { reinterpret_cast<const T*>(q)->quantize(*w, *r); });
  }
  static void destroy(mnnq_weight_quantizer* q) { delete reinterpret_cast<T*>(q); }

  static const mnnq_weight_quantizer_vtbl* vtable() {
    static const mnnq_weight_quantizer_vtbl v = {sizeof(mnnq_weight_quantizer_vtbl), &create,
                                                 &quantize, &destroy};
    return &v;
  }
};

template <class T>
struct InputSourceAdapter {
  static const T* self(mnnq_input_source* s) { return reinterpret_cast<const T*>(s); }

  static mnnq_status create(const char* config_json, const mnnq_input_desc* inputs, uint32_t n,
                            mnnq_input_source** out, mnnq_message* msg) {
    return guarded(msg, [&] {
      Config config(config_json);
      *out = reinterpret_cast<mnnq_input_source*>(
          new T(config, std::vector<InputDesc>(inputs, inputs + n)));
    });
  }
  static mnnq_status inputShape(mnnq_input_source* s, uint32_t input, mnnq_input_desc* desc,
                                mnnq_message* msg) {
    return guarded(msg, [&] { self(s)->inputShape(input, *desc); });
  }
  static uint64_t count(mnnq_input_source* s) { return self(s)->count(); }
  static const char* sampleName(mnnq_input_source* s, uint64_t i) { return self(s)->sampleName(i); }
  static mnnq_status load(mnnq_input_source* s, uint64_t i, float* const* buffers,
                          mnnq_message* msg) {
    return guarded(msg, [&] { self(s)->load(i, buffers); });
  }
  static void destroy(mnnq_input_source* s) { delete reinterpret_cast<T*>(s); }

  static const mnnq_input_source_vtbl* vtable() {
    static const mnnq_input_source_vtbl v = {sizeof(mnnq_input_source_vtbl), &create, &inputShape,
                                             &count, &sampleName, &load, &destroy};
    return &v;
  }
};

}  // namespace detail
}  // namespace sdk
}  // namespace mnnq

// ---- export macros: use exactly one per plugin library ---------------------------------------

#define MNNQ_DETAIL_EXPORT(KIND, VTABLE, NAME, VERSION, DESCRIPTION, KEYS, FLAGS)             \
  extern "C" const mnnq_plugin_info* mnnq_detail_plugin_info() {                             \
    static const mnnq_plugin_info info = {MNNQ_ABI_VERSION,                                  \
                                          sizeof(mnnq_plugin_info),                          \
                                          KIND,                                              \
                                          NAME,                                              \
                                          VERSION,                                           \
                                          DESCRIPTION,                                       \
                                          KEYS,                                              \
                                          static_cast<uint32_t>(sizeof(KEYS) / sizeof(KEYS[0])), \
                                          FLAGS,                                             \
                                          VTABLE};                                           \
    return &info;                                                                            \
  }                                                                                          \
  BOOST_DLL_ALIAS_SECTIONED(mnnq_detail_plugin_info, mnnq_plugin_entry, mnnq)

// CLASS must be constructible from (const mnnq::sdk::Config&).
#define MNNQ_EXPORT_FEATURE_CALIBRATOR(CLASS, NAME, VERSION, DESCRIPTION, KEYS, FLAGS)        \
  MNNQ_DETAIL_EXPORT(MNNQ_KIND_FEATURE_CALIBRATOR,                                           \
                     ::mnnq::sdk::detail::CalibratorAdapter<CLASS>::vtable(), NAME, VERSION,  \
                     DESCRIPTION, KEYS, FLAGS)

// CLASS must be constructible from (const mnnq::sdk::Config&).
#define MNNQ_EXPORT_WEIGHT_QUANTIZER(CLASS, NAME, VERSION, DESCRIPTION, KEYS)                 \
  MNNQ_DETAIL_EXPORT(MNNQ_KIND_WEIGHT_QUANTIZER,                                             \
                     ::mnnq::sdk::detail::WeightQuantizerAdapter<CLASS>::vtable(), NAME,      \
                     VERSION, DESCRIPTION, KEYS, 0u)

// CLASS must be constructible from (const mnnq::sdk::Config&, std::vector<mnnq::sdk::InputDesc>).
#define MNNQ_EXPORT_INPUT_SOURCE(CLASS, NAME, VERSION, DESCRIPTION, KEYS)                     \
  MNNQ_DETAIL_EXPORT(MNNQ_KIND_INPUT_SOURCE,                                                 \
                     ::mnnq::sdk::detail::InputSourceAdapter<CLASS>::vtable(), NAME, VERSION, \
                     DESCRIPTION, KEYS, 0u)
