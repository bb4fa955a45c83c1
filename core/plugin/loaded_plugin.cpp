// Loading one plugin library and checking everything the ABI promises before any of its
// functions other than the entry is called.
#include "mnnq/core/plugin_registry.hpp"

#include "mnnq/core/config.hpp"

#include <boost/dll/library_info.hpp>
#include <boost/dll/shared_library.hpp>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <mutex>
#include <set>

namespace mnnq {
namespace {

// Smallest struct sizes a plugin built for ABI 2 can report: up to the end of the last field
// that ABI 2 defines. A plugin built later against a header with appended fields reports more;
// the host copies what it knows and treats the rest as absent.
constexpr size_t kInfoMinSize = offsetof(mnnq_plugin_info, num_host_keys) + sizeof(uint32_t);
constexpr size_t kKeyMinSize = offsetof(mnnq_config_key, num_choices) + sizeof(uint32_t);
constexpr size_t kCalibratorMinSize = offsetof(mnnq_calibrator_vtbl, destroy) + sizeof(void*);
constexpr size_t kWeightMinSize = offsetof(mnnq_weight_quantizer_vtbl, destroy) + sizeof(void*);
constexpr size_t kInputMinSize = offsetof(mnnq_input_source_vtbl, destroy) + sizeof(void*);

[[noreturn]] void refuse(const std::string& file, const std::string& why) {
  throw std::runtime_error(file + ": " + why);
}

// Reads the ELF headers only: no code of the library runs here.
void checkSections(const std::string& file) {
  std::vector<std::string> sections, symbols;
  try {
    boost::dll::library_info info(boost::dll::fs::path(file), true);
    sections = info.sections();
    if (std::find(sections.begin(), sections.end(), MNNQ_PLUGIN_SECTION_NAME) == sections.end())
      refuse(file, "not an mnnq plugin (no `mnnq` section)");
    symbols = info.symbols(MNNQ_PLUGIN_SECTION_NAME);
  } catch (const std::runtime_error& e) {
    std::string what = e.what();
    if (what.rfind(file, 0) == 0) throw;  // our own refusal above
    refuse(file, "not an mnnq plugin (no `mnnq` section; unreadable as a shared library: " +
                     what + ")");
  } catch (const std::exception& e) {
    refuse(file, std::string("not an mnnq plugin (no `mnnq` section; unreadable: ") + e.what() +
                     ")");
  }
  if (std::find(symbols.begin(), symbols.end(), MNNQ_PLUGIN_ENTRY_NAME) == symbols.end())
    refuse(file, "has an `mnnq` section but does not export " MNNQ_PLUGIN_ENTRY_NAME);
}

// Copies a plugin struct of `reported` bytes into a zeroed host struct of type T.
// Every library ever loaded, never unloaded: plugin objects and static data must outlive any
// handle, including ones destroyed during static destruction. Deliberately leaked.
void keepLoadedForever(const std::shared_ptr<boost::dll::shared_library>& library) {
  static auto* loaded = new std::vector<std::shared_ptr<boost::dll::shared_library>>();
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  loaded->push_back(library);
}

template <class T>
T copyZeroExtended(const void* source, size_t reported) {
  T copy;
  std::memset(&copy, 0, sizeof(T));
  std::memcpy(&copy, source, std::min(reported, sizeof(T)));
  return copy;
}

template <class T>
T readVtable(const std::string& file, const void* vtable, size_t min_size, const char* what) {
  if (!vtable) refuse(file, std::string("has no ") + what + " vtable");
  uint32_t reported = 0;
  std::memcpy(&reported, vtable, sizeof(reported));
  if (reported < min_size)
    refuse(file, std::string(what) + " vtable struct_size " + std::to_string(reported) +
                     " is smaller than ABI " + std::to_string(MNNQ_ABI_VERSION) + "'s " +
                     std::to_string(min_size));
  return copyZeroExtended<T>(vtable, reported);
}

void requireFunction(const std::string& file, const void* fn, const char* name) {
  if (!fn) refuse(file, std::string("vtable function ") + name + " is NULL");
}

}  // namespace

std::shared_ptr<LoadedPlugin> LoadedPlugin::load(const std::string& file, PluginOrigin origin) {
  checkSections(file);

  auto library = std::make_shared<boost::dll::shared_library>();
  try {
    // rtld_now: unresolved symbols fail here, with the loader's message, not later mid-run.
    library->load(boost::dll::fs::path(file),
                  boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    refuse(file, std::string("cannot be loaded: ") + e.what());
  }
  keepLoadedForever(library);
  if (!library->has(MNNQ_PLUGIN_ENTRY_NAME))
    refuse(file, "does not export " MNNQ_PLUGIN_ENTRY_NAME);
  auto entry = library->get_alias<const mnnq_plugin_info*()>(MNNQ_PLUGIN_ENTRY_NAME);
  const mnnq_plugin_info* raw = entry();
  if (!raw) refuse(file, MNNQ_PLUGIN_ENTRY_NAME " returned NULL");

  auto plugin = fromInfo(*raw, file);
  plugin->library_ = library;
  plugin->origin_ = origin;
  return plugin;
}

std::shared_ptr<LoadedPlugin> LoadedPlugin::fromInfo(const mnnq_plugin_info& info_in,
                                                     const std::string& file) {
  const mnnq_plugin_info* raw = &info_in;

  // abi_version is the first field in every ABI revision; nothing else is read before it
  // matches.
  if (raw->abi_version != MNNQ_ABI_VERSION)
    refuse(file, "plugin ABI " + std::to_string(raw->abi_version) + ", host supports " +
                     std::to_string(MNNQ_ABI_VERSION));
  if (raw->struct_size < kInfoMinSize)
    refuse(file, "mnnq_plugin_info struct_size " + std::to_string(raw->struct_size) +
                     " is smaller than ABI " + std::to_string(MNNQ_ABI_VERSION) + "'s " +
                     std::to_string(kInfoMinSize));

  auto plugin = std::shared_ptr<LoadedPlugin>(new LoadedPlugin());
  plugin->file_ = file;
  plugin->origin_ = PluginOrigin::InProcess;
  plugin->info_ = copyZeroExtended<mnnq_plugin_info>(raw, raw->struct_size);
  const mnnq_plugin_info& info = plugin->info_;

  if (!info.name || !*info.name) refuse(file, "plugin has no name");
  plugin->name_ = info.name;
  for (char c : plugin->name_)
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
      refuse(file, "plugin name '" + plugin->name_ + "' contains white space");
  plugin->version_ = info.version ? info.version : "";
  plugin->description_ = info.description ? info.description : "";

  switch (info.kind) {
    case MNNQ_KIND_FEATURE_CALIBRATOR: {
      auto& v = plugin->calibrator_ = readVtable<mnnq_calibrator_vtbl>(
          file, info.vtable, kCalibratorMinSize, "feature calibrator");
      requireFunction(file, reinterpret_cast<const void*>(v.create), "create");
      requireFunction(file, reinterpret_cast<const void*>(v.prepare), "prepare");
      requireFunction(file, reinterpret_cast<const void*>(v.begin_pass), "begin_pass");
      requireFunction(file, reinterpret_cast<const void*>(v.observe), "observe");
      if (info.flags & MNNQ_CALIBRATOR_TRANSFORMS)
        requireFunction(file, reinterpret_cast<const void*>(v.transform), "transform");
      else if (v.transform)
        refuse(file, "has a transform function but not the MNNQ_CALIBRATOR_TRANSFORMS flag");
      requireFunction(file, reinterpret_cast<const void*>(v.end_pass), "end_pass");
      requireFunction(file, reinterpret_cast<const void*>(v.compute), "compute");
      requireFunction(file, reinterpret_cast<const void*>(v.destroy), "destroy");
      break;
    }
    case MNNQ_KIND_WEIGHT_QUANTIZER: {
      auto& v = plugin->weight_ = readVtable<mnnq_weight_quantizer_vtbl>(
          file, info.vtable, kWeightMinSize, "weight quantizer");
      requireFunction(file, reinterpret_cast<const void*>(v.create), "create");
      requireFunction(file, reinterpret_cast<const void*>(v.quantize), "quantize");
      requireFunction(file, reinterpret_cast<const void*>(v.destroy), "destroy");
      break;
    }
    case MNNQ_KIND_INPUT_SOURCE: {
      auto& v = plugin->input_ = readVtable<mnnq_input_source_vtbl>(
          file, info.vtable, kInputMinSize, "input source");
      requireFunction(file, reinterpret_cast<const void*>(v.create), "create");
      requireFunction(file, reinterpret_cast<const void*>(v.input_shape), "input_shape");
      requireFunction(file, reinterpret_cast<const void*>(v.count), "count");
      requireFunction(file, reinterpret_cast<const void*>(v.sample_name), "sample_name");
      requireFunction(file, reinterpret_cast<const void*>(v.load), "load");
      requireFunction(file, reinterpret_cast<const void*>(v.destroy), "destroy");
      break;
    }
    default:
      refuse(file, "unknown plugin kind " + std::to_string(static_cast<int>(info.kind)));
  }

  if (info.num_keys > 0 && !info.keys) refuse(file, "declares config keys but keys is NULL");
  std::set<std::string> names;
  if (info.num_keys > 0) {
    // Entries are struct_size bytes apart: a plugin built with a longer mnnq_config_key still
    // lists its keys where they are.
    const uint32_t stride = info.keys[0].struct_size;
    if (stride < kKeyMinSize)
      refuse(file, "mnnq_config_key struct_size " + std::to_string(stride) +
                       " is smaller than ABI " + std::to_string(MNNQ_ABI_VERSION) + "'s " +
                       std::to_string(kKeyMinSize));
    const char* base = reinterpret_cast<const char*>(info.keys);
    for (uint32_t i = 0; i < info.num_keys; ++i) {
      const void* entry = base + size_t(i) * stride;
      const auto key = copyZeroExtended<mnnq_config_key>(entry, stride);
      if (key.struct_size != stride)
        refuse(file, "config key " + std::to_string(i) + " has struct_size " +
                         std::to_string(key.struct_size) + ", the first one " +
                         std::to_string(stride));
      try {
        plugin->keys_.push_back(toConfigKeySpec(key, plugin->name_));
      } catch (const std::exception& e) {
        refuse(file, e.what());
      }
      if (!names.insert(plugin->keys_.back().name).second)
        refuse(file, "declares config key '" + plugin->keys_.back().name + "' twice");
    }
  }

  // Host keys it reads: named, never re-declared; each must be one of this host's keys.
  if (info.num_host_keys > 0 && !info.host_keys)
    refuse(file, "lists host keys it reads but host_keys is NULL");
  for (uint32_t i = 0; i < info.num_host_keys; ++i) {
    const char* name = info.host_keys[i];
    if (!name || !*name) refuse(file, "host key " + std::to_string(i) + " has no name");
    const ConfigKeySpec* spec = nullptr;
    for (const auto& host_key : hostConfigKeys())
      if (host_key.name == name) spec = &host_key;
    if (!spec)
      refuse(file, std::string("reads host key '") + name + "', which this host does not have");
    if (names.count(name))
      refuse(file, std::string("declares config key '") + name + "' and also reads the host's");
    if (!names.insert(name).second) refuse(file, std::string("lists host key '") + name + "' twice");
    plugin->host_keys_.push_back(*spec);
  }
  return plugin;
}

bool LoadedPlugin::readsKey(const std::string& name) const {
  for (const auto& key : keys_)
    if (key.name == name) return true;
  for (const auto& key : host_keys_)
    if (key.name == name) return true;
  return false;
}

std::string LoadedPlugin::label() const {
  return name_ + " (" + kindName(kind()) + ", " + file_ + ")";
}

const mnnq_calibrator_vtbl& LoadedPlugin::calibratorVtable() const {
  if (kind() != MNNQ_KIND_FEATURE_CALIBRATOR)
    throw std::logic_error(label() + " is not a feature calibrator");
  return calibrator_;
}

const mnnq_weight_quantizer_vtbl& LoadedPlugin::weightQuantizerVtable() const {
  if (kind() != MNNQ_KIND_WEIGHT_QUANTIZER)
    throw std::logic_error(label() + " is not a weight quantizer");
  return weight_;
}

const mnnq_input_source_vtbl& LoadedPlugin::inputSourceVtable() const {
  if (kind() != MNNQ_KIND_INPUT_SOURCE) throw std::logic_error(label() + " is not an input source");
  return input_;
}

}  // namespace mnnq
