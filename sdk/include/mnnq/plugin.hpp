// mnnq plugin SDK for C++ authors.
//
// Write a class deriving from one of FeatureCalibrator, WeightQuantizer or InputSource, list the
// configuration keys it declares and the host keys it reads, and export it with one macro:
//
//   class Percentile final : public mnnq::sdk::FeatureCalibrator { ... };
//   const mnnq_config_key kKeys[] = {
//       mnnq::sdk::numberKey("percentile", "99.99", "kept fraction of |x|, in percent", 50, 100)};
//   const char* const kHostKeys[] = {"feature_clamp_value"};
//   MNNQ_EXPORT_FEATURE_CALIBRATOR(Percentile, "PERCENTILE", "1.0.0",
//                                  "scale from a percentile of |x|",
//                                  mnnq::sdk::PluginKeys(kKeys, kHostKeys), 0)
//
// The KEYS argument is a PluginKeys: an array of own keys, PluginKeys(own, host_names),
// PluginKeys::hostOnly(host_names), or PluginKeys() for a plugin that reads no key at all.
//
// Constructors: CLASS(const Config&) or CLASS(const Config&, const Host&) (input sources:
// CLASS(const Config&, std::vector<InputDesc>) or CLASS(const Config&, std::vector<InputDesc>,
// const Host&)). Host gives the thread budget, a parallel for-loop and the host's log; copy it
// if you need it later (it stays valid for the object's life).
//
// Everything here is header-only, compiled into the plugin, and needs only the C++17 standard
// library: the plugin depends on the host only through the C structs of mnnq/abi.h. The
// adapters below turn C++ exceptions into mnnq_status codes plus a message: throw
// mnnq::sdk::Error (or any std::exception) from your methods and the host prints the text with
// your plugin's name. The host enforces the call order of abi.h, so methods need not check it.
#pragma once

#include <mnnq/abi.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
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

using TensorDesc = mnnq_tensor_desc;
using PassDesc = mnnq_pass_desc;
using FeatureParams = mnnq_feature_params;
using TensorBatch = mnnq_tensor_batch;
using WeightDesc = mnnq_weight_desc;
using WeightResult = mnnq_weight_result;
using InputDesc = mnnq_input_desc;

// Number of elements of one sample of a tensor described by ndim/dims.
inline uint64_t elementCount(int32_t ndim, const int32_t* dims) {
  uint64_t n = 1;
  for (int32_t i = 0; i < ndim; ++i) n *= static_cast<uint64_t>(dims[i] > 0 ? dims[i] : 0);
  return n;
}

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

}  // namespace detail

// ---- key declarations -----------------------------------------------------------------------

// Any key: type, flags (MNNQ_KEY_HAS_MIN / _MAX), bounds and choices spelled out.
constexpr mnnq_config_key makeKey(mnnq_value_type type, const char* name, const char* default_json,
                                  const char* help, uint32_t flags = 0, double min_value = 0,
                                  double max_value = 0, const char* const* choices = nullptr,
                                  uint32_t num_choices = 0) {
  return mnnq_config_key{static_cast<uint32_t>(sizeof(mnnq_config_key)),
                         flags, name, type, default_json, help, min_value, max_value, choices,
                         num_choices};
}
constexpr uint32_t kBounded = MNNQ_KEY_HAS_MIN | MNNQ_KEY_HAS_MAX;

constexpr mnnq_config_key boolKey(const char* name, const char* default_json, const char* help) {
  return makeKey(MNNQ_VALUE_BOOL, name, default_json, help);
}
constexpr mnnq_config_key intKey(const char* name, const char* default_json, const char* help) {
  return makeKey(MNNQ_VALUE_INT, name, default_json, help);
}
constexpr mnnq_config_key intKey(const char* name, const char* default_json, const char* help,
                                 double min_value, double max_value) {
  return makeKey(MNNQ_VALUE_INT, name, default_json, help, kBounded, min_value, max_value);
}
constexpr mnnq_config_key numberKey(const char* name, const char* default_json,
                                    const char* help) {
  return makeKey(MNNQ_VALUE_NUMBER, name, default_json, help);
}
constexpr mnnq_config_key numberKey(const char* name, const char* default_json, const char* help,
                                    double min_value, double max_value) {
  return makeKey(MNNQ_VALUE_NUMBER, name, default_json, help, kBounded, min_value, max_value);
}
constexpr mnnq_config_key stringKey(const char* name, const char* default_json, const char* help) {
  return makeKey(MNNQ_VALUE_STRING, name, default_json, help);
}
// A string restricted to `choices`: const char* const kScopes[] = {"dataset", "sample"};
template <std::size_t N>
constexpr mnnq_config_key choiceKey(const char* name, const char* default_json, const char* help,
                                    const char* const (&choices)[N]) {
  return makeKey(MNNQ_VALUE_STRING, name, default_json, help, 0, 0, 0, choices,
                 static_cast<uint32_t>(N));
}
constexpr mnnq_config_key intListKey(const char* name, const char* default_json, const char* help) {
  return makeKey(MNNQ_VALUE_INT_LIST, name, default_json, help);
}
constexpr mnnq_config_key intListKey(const char* name, const char* default_json, const char* help,
                                     double min_value, double max_value) {
  return makeKey(MNNQ_VALUE_INT_LIST, name, default_json, help, kBounded, min_value, max_value);
}
constexpr mnnq_config_key numberListKey(const char* name, const char* default_json,
                                        const char* help) {
  return makeKey(MNNQ_VALUE_NUMBER_LIST, name, default_json, help);
}
constexpr mnnq_config_key numberListKey(const char* name, const char* default_json,
                                        const char* help, double min_value, double max_value) {
  return makeKey(MNNQ_VALUE_NUMBER_LIST, name, default_json, help, kBounded, min_value, max_value);
}
constexpr mnnq_config_key stringListKey(const char* name, const char* default_json,
                                        const char* help) {
  return makeKey(MNNQ_VALUE_STRING_LIST, name, default_json, help);
}
template <std::size_t N>
constexpr mnnq_config_key stringListKey(const char* name, const char* default_json,
                                        const char* help, const char* const (&choices)[N]) {
  return makeKey(MNNQ_VALUE_STRING_LIST, name, default_json, help, 0, 0, 0, choices,
                 static_cast<uint32_t>(N));
}
constexpr mnnq_config_key jsonKey(const char* name, const char* default_json, const char* help) {
  return makeKey(MNNQ_VALUE_JSON, name, default_json, help);
}

// What a plugin declares (its own keys) and reads of the host's keys (by name). Every part may
// be empty; see the export macros.
class PluginKeys {
 public:
  constexpr PluginKeys() = default;
  template <std::size_t N>
  constexpr PluginKeys(const mnnq_config_key (&own)[N])  // NOLINT: implicit on purpose
      : own_(own), num_own_(static_cast<uint32_t>(N)) {}
  template <std::size_t N, std::size_t M>
  constexpr PluginKeys(const mnnq_config_key (&own)[N], const char* const (&host)[M])
      : own_(own), num_own_(static_cast<uint32_t>(N)), host_(host),
        num_host_(static_cast<uint32_t>(M)) {}
  template <std::size_t M>
  static constexpr PluginKeys hostOnly(const char* const (&host)[M]) {
    PluginKeys keys;
    keys.host_ = host;
    keys.num_host_ = static_cast<uint32_t>(M);
    return keys;
  }

  constexpr const mnnq_config_key* own() const { return own_; }
  constexpr uint32_t numOwn() const { return num_own_; }
  constexpr const char* const* host() const { return host_; }
  constexpr uint32_t numHost() const { return num_host_; }

 private:
  const mnnq_config_key* own_ = nullptr;
  uint32_t num_own_ = 0;
  const char* const* host_ = nullptr;
  uint32_t num_host_ = 0;
};

// ---- configuration values ---------------------------------------------------------------------

namespace detail {

// A small reader for the JSON values the host hands out (scalars and lists of scalars), so the
// public header needs no JSON library. Objects are left to the plugin (Config::text).
class JsonReader {
 public:
  JsonReader(const char* text, const std::string& key) : p_(text), key_(key) {}

  bool isNull() {
    skip();
    return std::strncmp(p_, "null", 4) == 0;
  }
  bool isArray() {
    skip();
    return *p_ == '[';
  }

  void read(bool& out) {
    skip();
    if (std::strncmp(p_, "true", 4) == 0) {
      out = true;
      p_ += 4;
    } else if (std::strncmp(p_, "false", 5) == 0) {
      out = false;
      p_ += 5;
    } else {
      wrongType("a boolean");
    }
  }
  void read(std::string& out) {
    skip();
    if (*p_ != '"') wrongType("a string");
    ++p_;
    out.clear();
    while (*p_ && *p_ != '"') {
      char c = *p_++;
      if (c != '\\') {
        out += c;
        continue;
      }
      c = *p_++;
      switch (c) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': appendCodePoint(out); break;
        case '\0': wrongType("a string"); break;
        default: out += c; break;  // \" \\ and \/
      }
    }
    if (*p_ != '"') wrongType("a string");
    ++p_;
  }
  template <class T, typename std::enable_if<std::is_arithmetic<T>::value, int>::type = 0>
  void read(T& out) {
    skip();
    char* end = nullptr;
    errno = 0;
    const double d = std::strtod(p_, &end);
    if (end == p_ || errno == ERANGE) wrongType("a number");
    p_ = end;
    if (std::is_integral<T>::value) {
      if (d != static_cast<double>(static_cast<long long>(d)) ||
          d < static_cast<double>(std::numeric_limits<T>::lowest()) ||
          d > static_cast<double>(std::numeric_limits<T>::max()))
        wrongType("an integer that fits");
    }
    out = static_cast<T>(d);
  }
  template <class T>
  void read(std::vector<T>& out) {
    skip();
    if (*p_ != '[') wrongType("a list");
    ++p_;
    out.clear();
    skip();
    if (*p_ == ']') {
      ++p_;
      return;
    }
    for (;;) {
      T value{};
      read(value);
      out.push_back(std::move(value));
      skip();
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ != ']') wrongType("a list");
      ++p_;
      return;
    }
  }

 private:
  void skip() {
    while (*p_ == ' ' || *p_ == '\n' || *p_ == '\t' || *p_ == '\r') ++p_;
  }
  [[noreturn]] void wrongType(const char* expected) {
    throw Error("config key '" + key_ + "' is not " + expected);
  }
  void appendCodePoint(std::string& out) {
    unsigned cp = 0;
    for (int i = 0; i < 4; ++i) {
      const char h = *p_++;
      cp <<= 4;
      if (h >= '0' && h <= '9') cp |= unsigned(h - '0');
      else if (h >= 'a' && h <= 'f') cp |= unsigned(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') cp |= unsigned(h - 'A' + 10);
      else wrongType("a string");
    }
    if (cp < 0x80) {
      out += char(cp);
    } else if (cp < 0x800) {
      out += char(0xC0 | (cp >> 6));
      out += char(0x80 | (cp & 0x3F));
    } else {  // surrogate pairs are passed through as two 3-byte sequences
      out += char(0xE0 | (cp >> 12));
      out += char(0x80 | ((cp >> 6) & 0x3F));
      out += char(0x80 | (cp & 0x3F));
    }
  }

  const char* p_;
  const std::string& key_;
};

}  // namespace detail

// Read-only view of the run configuration: validated by the host against the keys the plugin
// declared (and the host's own), defaults filled in, relative paths resolved.
class Config {
 public:
  explicit Config(const mnnq_host* host) : host_(host) {}

  // The value's JSON text, or nullptr when the configuration lacks the key.
  const char* text(const std::string& key) const {
    return host_ && host_->config_value ? host_->config_value(host_, key.c_str()) : nullptr;
  }

  bool has(const std::string& key) const {
    const char* t = text(key);
    return t && !detail::JsonReader(t, key).isNull();
  }

  // T: bool, an arithmetic type, std::string, or a std::vector of those. A value of another
  // type is an Error naming the key; an absent (or null) key gives `fallback`.
  template <class T>
  T get(const std::string& key, const T& fallback) const {
    const char* t = text(key);
    if (!t) return fallback;
    detail::JsonReader reader(t, key);
    if (reader.isNull()) return fallback;
    T value{};
    reader.read(value);
    return value;
  }
  std::string get(const std::string& key, const char* fallback) const {
    return get<std::string>(key, fallback);
  }

 private:
  const mnnq_host* host_;
};

// ---- the host's services ----------------------------------------------------------------------

class Host {
 public:
  explicit Host(const mnnq_host* host) : host_(host) {}

  // The thread budget: at most this many threads may work for the plugin at once.
  uint32_t threads() const { return host_->threads; }

  void info(const std::string& text) const { host_->log(host_, MNNQ_LOG_INFO, text.c_str()); }
  void warning(const std::string& text) const {
    host_->log(host_, MNNQ_LOG_WARNING, text.c_str());
  }

  // body(uint64_t index, uint32_t worker) for every index in [0, count), on at most threads()
  // threads; worker < threads(), and calls with the same worker never overlap. An exception
  // thrown by a body stops the loop and is rethrown here (as Error, with its message).
  template <class Body>
  void parallelFor(uint64_t count, Body&& body) const {
    using B = typename std::remove_reference<Body>::type;
    mnnq_parallel_body run = [](void* context, uint64_t index, uint32_t worker,
                                mnnq_message* msg) -> mnnq_status {
      B& b = *static_cast<B*>(context);
      return detail::guarded(msg, [&] { b(index, worker); });
    };
    char text[1024] = {0};
    mnnq_message msg{text, sizeof text};
    void* context = const_cast<void*>(static_cast<const void*>(std::addressof(body)));
    const mnnq_status status = host_->parallel_for(host_, count, run, context, &msg);
    if (status != MNNQ_OK) throw Error(text, status);
  }

  // See mnnq_host::embedder_data.
  const void* embedderData() const { return host_->embedder_data; }
  const mnnq_host* raw() const { return host_; }

 private:
  const mnnq_host* host_;
};

// ---- the three plugin kinds -------------------------------------------------------------

// A feature calibrator is created once per run from the configuration, told which tensors to
// calibrate, fed every such tensor during one or more passes over the samples, and finally
// asked for per-tensor parameters. See mnnq_calibrator_vtbl in abi.h for the call order (the
// host enforces it) and the threading rules.
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

  // batch.data is read-only here.
  virtual void observe(const TensorBatch& batch) = 0;

  // Called only for a plugin exported with MNNQ_CALIBRATOR_TRANSFORMS, in passes whose flags
  // include MNNQ_PASS_TRANSFORM; may rewrite batch.data in place.
  virtual void transform(const TensorBatch& batch) { (void)batch; }

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

inline void requireHost(const mnnq_host* host) {
  if (!host || host->struct_size < sizeof(mnnq_host) || !host->parallel_for || !host->log ||
      !host->config_value || host->threads < 1)
    throw Error("create: no usable host context (mnnq_host)", MNNQ_INVALID_STATE);
}

// CLASS(config, host) when it has that constructor, else CLASS(config).
template <class T, class... Args>
std::unique_ptr<T> construct(const Config& config, const Host& host, Args&&... args) {
  if constexpr (std::is_constructible<T, const Config&, Args..., const Host&>::value)
    return std::unique_ptr<T>(new T(config, std::forward<Args>(args)..., host));
  else
    return std::unique_ptr<T>(new T(config, std::forward<Args>(args)...));
}

// The opaque handle of every kind: the host context (valid until destroy) and the object.
template <class T>
struct Handle {
  explicit Handle(const mnnq_host* h) : host(h), config(h) {}
  Host host;
  Config config;
  std::unique_ptr<T> impl;
  uint32_t num_tensors = 0;  // calibrators: tensors given to prepare()
};

template <class T, uint32_t kFlags>
struct CalibratorAdapter {
  static Handle<T>* self(mnnq_calibrator* c) { return reinterpret_cast<Handle<T>*>(c); }

  static mnnq_status create(const char*, const mnnq_host* host, mnnq_calibrator** out,
                            mnnq_message* msg) {
    return guarded(msg, [&] {
      requireHost(host);
      auto handle = std::make_unique<Handle<T>>(host);
      handle->impl = construct<T>(handle->config, handle->host);
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
  static mnnq_status observe(mnnq_calibrator* c, const mnnq_tensor_batch* batch,
                             mnnq_message* msg) {
    return guarded(msg, [&] { self(c)->impl->observe(*batch); });
  }
  static mnnq_status transform(mnnq_calibrator* c, const mnnq_tensor_batch* batch,
                               mnnq_message* msg) {
    return guarded(msg, [&] { self(c)->impl->transform(*batch); });
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
      if (!params.empty()) std::memcpy(out, params.data(), params.size() * sizeof(FeatureParams));
    });
  }
  static void destroy(mnnq_calibrator* c) { delete self(c); }

  static const mnnq_calibrator_vtbl* vtable() {
    static const mnnq_calibrator_vtbl v = {
        sizeof(mnnq_calibrator_vtbl), &create, &prepare, &beginPass, &observe,
        (kFlags & MNNQ_CALIBRATOR_TRANSFORMS) ? &transform : nullptr, &endPass, &compute,
        &destroy};
    return &v;
  }
};

template <class T>
struct WeightQuantizerAdapter {
  static const Handle<T>* self(mnnq_weight_quantizer* q) {
    return reinterpret_cast<const Handle<T>*>(q);
  }
  static mnnq_status create(const char*, const mnnq_host* host, mnnq_weight_quantizer** out,
                            mnnq_message* msg) {
    return guarded(msg, [&] {
      requireHost(host);
      auto handle = std::make_unique<Handle<T>>(host);
      handle->impl = construct<T>(handle->config, handle->host);
      *out = reinterpret_cast<mnnq_weight_quantizer*>(handle.release());
    });
  }
  static mnnq_status quantize(mnnq_weight_quantizer* q, const mnnq_weight_desc* w,
                              mnnq_weight_result* r, mnnq_message* msg) {
    return guarded(msg, [&] { static_cast<const T&>(*self(q)->impl).quantize(*w, *r); });
  }
  static void destroy(mnnq_weight_quantizer* q) {
    delete reinterpret_cast<Handle<T>*>(q);
  }

  static const mnnq_weight_quantizer_vtbl* vtable() {
    static const mnnq_weight_quantizer_vtbl v = {sizeof(mnnq_weight_quantizer_vtbl), &create,
                                                 &quantize, &destroy};
    return &v;
  }
};

template <class T>
struct InputSourceAdapter {
  static const T& self(mnnq_input_source* s) {
    return *reinterpret_cast<const Handle<T>*>(s)->impl;
  }

  static mnnq_status create(const char*, const mnnq_host* host, const mnnq_input_desc* inputs,
                            uint32_t n, mnnq_input_source** out, mnnq_message* msg) {
    return guarded(msg, [&] {
      requireHost(host);
      auto handle = std::make_unique<Handle<T>>(host);
      handle->impl = construct<T>(handle->config, handle->host,
                                  std::vector<InputDesc>(inputs, inputs + n));
      *out = reinterpret_cast<mnnq_input_source*>(handle.release());
    });
  }
  static mnnq_status inputShape(mnnq_input_source* s, uint32_t input, mnnq_input_desc* desc,
                                mnnq_message* msg) {
    return guarded(msg, [&] { self(s).inputShape(input, *desc); });
  }
  static uint64_t count(mnnq_input_source* s) { return self(s).count(); }
  static const char* sampleName(mnnq_input_source* s, uint64_t i) { return self(s).sampleName(i); }
  static mnnq_status load(mnnq_input_source* s, uint64_t i, float* const* buffers,
                          mnnq_message* msg) {
    return guarded(msg, [&] { self(s).load(i, buffers); });
  }
  static void destroy(mnnq_input_source* s) { delete reinterpret_cast<Handle<T>*>(s); }

  static const mnnq_input_source_vtbl* vtable() {
    static const mnnq_input_source_vtbl v = {sizeof(mnnq_input_source_vtbl), &create, &inputShape,
                                             &count, &sampleName, &load, &destroy};
    return &v;
  }
};

// The plugin description every export macro returns.
inline mnnq_plugin_info pluginInfo(mnnq_kind kind, const char* name, const char* version,
                                   const char* description, const PluginKeys& keys,
                                   uint32_t flags, const void* vtable) {
  mnnq_plugin_info info;
  std::memset(&info, 0, sizeof info);
  info.abi_version = MNNQ_ABI_VERSION;
  info.struct_size = sizeof(mnnq_plugin_info);
  info.kind = kind;
  info.name = name;
  info.version = version;
  info.description = description;
  info.keys = keys.own();
  info.num_keys = keys.numOwn();
  info.flags = flags;
  info.vtable = vtable;
  info.host_keys = keys.host();
  info.num_host_keys = keys.numHost();
  return info;
}

}  // namespace detail

}  // namespace sdk
}  // namespace mnnq

// ---- export macros: use exactly one per plugin library ---------------------------------------

// The entry point: a pointer to the info function in a section named `mnnq`, under the name
// mnnq_plugin_entry, so the host finds it by reading the ELF section table before it loads the
// library (what Boost.DLL's BOOST_DLL_ALIAS_SECTIONED does, written out so plugins need no
// Boost). ELF (Linux) and Mach-O section syntax.
#if defined(__APPLE__)
#define MNNQ_DETAIL_ENTRY_SECTION __attribute__((section("__DATA,mnnq")))
#else
#define MNNQ_DETAIL_ENTRY_SECTION __attribute__((section("mnnq")))
#endif

#define MNNQ_DETAIL_EXPORT(KIND, VTABLE, NAME, VERSION, DESCRIPTION, KEYS, FLAGS)             \
  extern "C" const mnnq_plugin_info* mnnq_detail_plugin_info() {                             \
    static const mnnq_plugin_info info = ::mnnq::sdk::detail::pluginInfo(                    \
        KIND, NAME, VERSION, DESCRIPTION, ::mnnq::sdk::PluginKeys(KEYS), FLAGS, VTABLE);     \
    return &info;                                                                            \
  }                                                                                          \
  extern "C" __attribute__((visibility("default"))) const void* mnnq_plugin_entry;           \
  MNNQ_DETAIL_ENTRY_SECTION __attribute__((weak, visibility("default")))                     \
  const void* mnnq_plugin_entry =                                                            \
      reinterpret_cast<const void*>(reinterpret_cast<intptr_t>(&mnnq_detail_plugin_info));

// CLASS: constructible from (const mnnq::sdk::Config&[, const mnnq::sdk::Host&]).
// KEYS: a mnnq::sdk::PluginKeys (an array of mnnq_config_key converts to one; PluginKeys() for
// none). FLAGS: MNNQ_CALIBRATOR_* capability flags.
#define MNNQ_EXPORT_FEATURE_CALIBRATOR(CLASS, NAME, VERSION, DESCRIPTION, KEYS, FLAGS)        \
  MNNQ_DETAIL_EXPORT(MNNQ_KIND_FEATURE_CALIBRATOR,                                           \
                     (::mnnq::sdk::detail::CalibratorAdapter<CLASS, (FLAGS)>::vtable()), NAME, \
                     VERSION, DESCRIPTION, KEYS, (FLAGS))

// CLASS: constructible from (const mnnq::sdk::Config&[, const mnnq::sdk::Host&]).
#define MNNQ_EXPORT_WEIGHT_QUANTIZER(CLASS, NAME, VERSION, DESCRIPTION, KEYS)                 \
  MNNQ_DETAIL_EXPORT(MNNQ_KIND_WEIGHT_QUANTIZER,                                             \
                     ::mnnq::sdk::detail::WeightQuantizerAdapter<CLASS>::vtable(), NAME,      \
                     VERSION, DESCRIPTION, KEYS, 0u)

// CLASS: constructible from (const mnnq::sdk::Config&, std::vector<mnnq::sdk::InputDesc>
// [, const mnnq::sdk::Host&]).
#define MNNQ_EXPORT_INPUT_SOURCE(CLASS, NAME, VERSION, DESCRIPTION, KEYS)                     \
  MNNQ_DETAIL_EXPORT(MNNQ_KIND_INPUT_SOURCE,                                                 \
                     ::mnnq::sdk::detail::InputSourceAdapter<CLASS>::vtable(), NAME, VERSION, \
                     DESCRIPTION, KEYS, 0u)
