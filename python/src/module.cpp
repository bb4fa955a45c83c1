// The `mnnq._mnnq` extension: the C++ side of the `mnnq` Python package (python/mnnq). It calls
// the same core functions as the `mnnq` command (prepareRunConfig, runQuantization,
// inspectModel, Executor), so a run from Python and one from the command line are the same run.
// Argument checking that is plain Python (types, dtype conversion, JSON encoding of a dict
// config) lives in python/mnnq/__init__.py; this file receives checked values.
#include "background_run.hpp"
#include "python_samples.hpp"

#include "mnnq/core/config.hpp"
#include "mnnq/core/executor.hpp"
#include "mnnq/core/graph.hpp"
#include "mnnq/core/inspect.hpp"
#include "mnnq/core/one_sample.hpp"
#include "mnnq/core/pipeline.hpp"
#include "mnnq/core/plugin_handles.hpp"
#include "mnnq/core/plugin_registry.hpp"
#include "mnnq/core/run_config.hpp"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <boost/filesystem.hpp>

#include <algorithm>
#include <optional>
#include <thread>

namespace py = pybind11;

namespace mnnq::python {
namespace {

using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;

// Exception classes of the module (created at import; never destroyed, like the module).
PyObject* model_error = nullptr;
PyObject* unsupported_ops_error = nullptr;
PyObject* plugin_error = nullptr;
PyObject* base_error = nullptr;
PyObject* run_error = nullptr;

// Every C++ exception becomes one of the documented types (python/README.md, "Errors"):
// Python's own errors (from callbacks, pybind11 conversions) pass through unchanged.
void translateErrors(std::exception_ptr error) {
  try {
    if (error) std::rethrow_exception(error);
  } catch (const py::error_already_set&) {
    throw;
  } catch (const py::builtin_exception&) {
    throw;
  } catch (const RunCancelled& e) {
    PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
  } catch (const ConfigError& e) {
    PyErr_SetString(PyExc_ValueError, e.what());
  } catch (const PluginError& e) {
    // A plugin rejecting its configuration is a config error, as for the CLI (exit status 2).
    PyErr_SetString(e.isConfigError() ? PyExc_ValueError : plugin_error, e.what());
  } catch (const UnsupportedOpsError& e) {
    PyErr_SetString(unsupported_ops_error, e.what());
  } catch (const ModelError& e) {
    PyErr_SetString(model_error, e.what());
  } catch (const std::invalid_argument& e) {
    PyErr_SetString(PyExc_ValueError, e.what());
  } catch (const std::bad_alloc&) {
    PyErr_SetString(PyExc_MemoryError, "out of memory");
  } catch (const boost::filesystem::filesystem_error& e) {
    PyErr_SetString(PyExc_OSError, e.what());
  } catch (const std::exception& e) {
    PyErr_SetString(run_error, e.what());
  } catch (...) {
    PyErr_SetString(run_error, "unknown error");
  }
}

// Plugins exactly as the CLI finds them, with `search_dir` standing for the executable's folder
// (the package records where the `mnnq` executable and its plugins are), plus the in-process
// "python" input source.
PluginRegistry discoverPlugins(const std::string& search_dir,
                               const std::vector<std::string>& plugin_dirs) {
  PluginSearchOptions search;
  search.executable_dir = search_dir;
  search.plugin_dirs = plugin_dirs;
  PluginRegistry registry = PluginRegistry::discover(search);
  registry.addInProcess(LoadedPlugin::fromInfo(pythonInputSourceInfo(), "mnnq Python module"));
  for (const auto& warning : registry.warnings())
    if (PyErr_WarnEx(PyExc_RuntimeWarning, warning.c_str(), 1) != 0) throw py::error_already_set();
  for (const auto& skipped : registry.skipped()) {
    if (skipped.quiet) continue;
    const std::string message = "skipped plugin " + skipped.reason;
    if (PyErr_WarnEx(PyExc_RuntimeWarning, message.c_str(), 1) != 0) throw py::error_already_set();
  }
  return registry;
}

std::string pluginsJson(const std::string& search_dir, const std::vector<std::string>& plugin_dirs) {
  PluginRegistry registry = discoverPlugins(search_dir, plugin_dirs);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& plugin : registry.plugins()) {
    nlohmann::json keys = nlohmann::json::array();
    for (const auto& key : plugin->keys()) keys.push_back(configKeyJson(key));
    nlohmann::json host_keys = nlohmann::json::array();
    for (const auto& key : plugin->hostKeys()) host_keys.push_back(configKeyJson(key));
    list.push_back({{"kind", kindShortName(plugin->kind())},
                    {"name", plugin->name()},
                    {"version", plugin->version()},
                    {"description", plugin->description()},
                    {"file", plugin->file()},
                    {"origin", originName(plugin->origin())},
                    {"keys", keys},
                    {"host_keys", host_keys}});
  }
  return list.dump();
}

std::string inspectJson(const std::string& path, bool ops) {
  InspectReport report = inspectModelFile(path);
  return inspectToJson(report, ops).dump();
}

// inputs: model input name -> float32 C-order array (converted by the Python side).
py::dict infer(const std::string& path, const py::dict& inputs, bool simulate_int8) {
  Graph graph = Graph::load(path);
  ExecutorOptions options;
  options.simulate_int8 = simulate_int8;
  std::map<int, Tensor> values;
  std::string known;
  for (int t : graph.inputs()) known += (known.empty() ? "'" : ", '") + graph.tensorName(t) + "'";
  for (const auto& [key, value] : inputs) {
    const std::string name = py::cast<std::string>(key);
    const int t = graph.findTensor(name);
    if (t < 0 || std::find(graph.inputs().begin(), graph.inputs().end(), t) == graph.inputs().end())
      throw ConfigError("'" + name + "' is not an input of " + path + " (inputs: " + known + ")");
    FloatArray array = py::cast<FloatArray>(value);
    Tensor tensor;
    tensor.shape.assign(array.shape(), array.shape() + array.ndim());
    tensor.f.assign(array.data(), array.data() + array.size());
    options.input_shapes[name] = tensor.shape;
    values[t] = std::move(tensor);
  }
  for (int t : graph.inputs())
    if (!values.count(t))
      throw ConfigError("no value given for input '" + graph.tensorName(t) + "' of " + path +
                        " (inputs: " + known + ")");

  std::map<int, Tensor> outputs;
  runInBackground(
      [&](const WorkHooks&) {
        Executor executor(graph, options);
        outputs = executor.run(values);
      },
      py::none());

  py::dict result;
  for (auto& [t, value] : outputs) {
    std::vector<py::ssize_t> shape(value.shape.begin(), value.shape.end());
    if (value.dtype == DType::Int32)
      result[py::str(graph.tensorName(t))] = py::array_t<int32_t>(shape, value.i.data());
    else
      result[py::str(graph.tensorName(t))] = py::array_t<float>(shape, value.f.data());
  }
  return result;
}

// The samples the caller's iterable yields, at most `limit` (0 = all), each converted by
// `convert(item, index)` into [(input name or None, float32 C-order array)]. The arrays are
// appended to `keep` so they outlive the run.
std::vector<Sample> collectSamples(const py::object& samples, uint64_t limit,
                                   const py::object& convert, py::list& keep) {
  // Every item stays in memory for the run: an unbounded iterable (an endless generator) is
  // stopped at a documented bound instead of growing until MemoryError.
  constexpr uint64_t kMaxItems = 65536;
  constexpr uint64_t kMaxBytes = uint64_t(4) << 30;
  uint64_t bytes = 0;
  std::vector<Sample> result;
  for (py::handle item : py::iter(samples)) {
    if (limit && result.size() >= limit) break;
    if (result.size() >= kMaxItems || bytes > kMaxBytes)
      throw ConfigError("samples: the iterable yielded more than " +
                        std::string(result.size() >= kMaxItems ? "65536 items" : "4 GiB of arrays") +
                        " (all are kept in memory for the run); set used_sample_num or pass fewer samples");
    Sample sample;
    for (py::handle pair : convert(item, result.size())) {
      auto entry = py::cast<py::tuple>(pair);
      FloatArray array = py::cast<FloatArray>(entry[1]);
      SampleArray a;
      a.input = entry[0].is_none() ? std::string() : py::cast<std::string>(entry[0]);
      a.shape.assign(array.shape(), array.shape() + array.ndim());
      a.data = array.data();
      bytes += static_cast<uint64_t>(array.size()) * sizeof(float);
      keep.append(array);
      sample.arrays.push_back(std::move(a));
    }
    result.push_back(std::move(sample));
  }
  return result;
}

ConfigFile configFrom(const std::optional<std::string>& config_path,
                      const std::optional<std::string>& config_json) {
  ConfigFile file;
  if (config_path) return loadConfigFile(*config_path);
  file.path = "config dict";
  file.folder = boost::filesystem::current_path().string();
  file.values = parseConfigText(config_json.value_or("{}"), ConfigFormat::Json, "config dict");
  return file;
}

// The input(s) the config's input plugin makes from one file: `mnnq infer --config --image`'s
// input.npy, through the same function (core/pipeline/one_sample.cpp).
py::dict loadImage(const std::string& image, const std::optional<std::string>& config_path,
                   const std::optional<std::string>& config_json, const std::optional<std::string>& model,
                   const std::vector<std::string>& plugin_dirs, const std::string& search_dir) {
  ConfigFile file = configFrom(config_path, config_json);
  // The folder is the image's; `path` is only required so the config validates.
  if (file.values.is_object() && !file.values.contains("path"))
    file.values["path"] = boost::filesystem::absolute(image).parent_path().string();
  PluginRegistry registry = discoverPlugins(search_dir, plugin_dirs);
  RunOverrides overrides;
  if (model) overrides.model = *model;
  overrides.output = (boost::filesystem::temp_directory_path() / "mnnq-load-image-unused.mnn").string();
  const RunConfig run = prepareRunConfig(file, registry, overrides);
  if (run.input_source->origin() == PluginOrigin::InProcess)
    throw ConfigError(file.path + ": key 'input_type': load_image needs an input plugin that reads "
                      "files (e.g. 'image'), not 'python'");
  Graph graph = Graph::load(run.values["model"].get<std::string>());
  OneSample sample;
  {
    py::gil_scoped_release release;
    sample = loadOneSample(graph, run, image);
  }
  py::dict result;
  for (int t : graph.inputs()) {
    const Tensor& value = sample.inputs.at(t);
    std::vector<py::ssize_t> shape(value.shape.begin(), value.shape.end());
    result[py::str(graph.tensorName(t))] = py::array_t<float>(shape, value.f.data());
  }
  return result;
}

std::string quantize(const std::string& model, const std::string& output,
                     const std::optional<std::string>& config_path,
                     const std::optional<std::string>& config_json,
                     const std::vector<std::string>& plugin_dirs, const std::string& search_dir,
                     std::optional<int> threads, const py::object& progress,
                     const py::object& samples, const py::object& convert_sample, bool verbose) {
  ConfigFile file = configFrom(config_path, config_json);
  const bool have_samples = !samples.is_none();
  if (have_samples && !file.values.contains("input_type")) file.values["input_type"] = "python";

  PluginRegistry registry = discoverPlugins(search_dir, plugin_dirs);
  RunOverrides overrides;
  overrides.model = model;
  overrides.output = output;
  overrides.threads = threads;
  overrides.threads_option = "threads";
  RunConfig run = prepareRunConfig(file, registry, overrides);

  const bool python_input = run.input_source->origin() == PluginOrigin::InProcess;
  if (python_input && !have_samples)
    throw ConfigError(file.path + ": key 'input_type': 'python' takes its samples from "
                      "quantize(..., samples=iterable); none were given");
  if (!python_input && have_samples)
    throw ConfigError(file.path + ": key 'input_type' is '" + run.input_source->name() +
                      "', which reads `path`; samples= needs input_type 'python' (or no "
                      "input_type at all)");

  py::list keep;  // owns the sample arrays until the run ends
  std::vector<Sample> sample_list;
  if (python_input)
    sample_list = collectSamples(samples, run.values["used_sample_num"].get<uint64_t>(),
                                 convert_sample, keep);

  if (verbose)
    for (const auto& note : run.notes) py::print("note:", note, py::arg("file") = py::module_::import("sys").attr("stderr"));

  RunRequest request = makeRunRequest(run, registry, !verbose);

  nlohmann::json summary;
  runInBackground(
      [&](const WorkHooks& hooks) {
        RunRequest r = request;
        r.embedder_data = &sample_list;  // what the "python" input source reads (host context)
        r.progress = hooks.progress;
        r.cancelled = hooks.cancelled;
        r.summary_out = &summary;
        runQuantization(r);
      },
      progress);
  for (const auto& note : run.notes) summary["notes"].push_back(note);
  return summary.dump();
}

}  // namespace
}  // namespace mnnq::python

PYBIND11_MODULE(_mnnq, m) {
  using namespace mnnq::python;
  m.doc() = "C++ core of the mnnq package; use the functions of `mnnq` instead.";

  base_error = PyErr_NewException("mnnq.Error", PyExc_RuntimeError, nullptr);
  model_error = PyErr_NewException("mnnq.ModelError", base_error, nullptr);
  unsupported_ops_error = PyErr_NewException("mnnq.UnsupportedOpsError", model_error, nullptr);
  plugin_error = PyErr_NewException("mnnq.PluginError", base_error, nullptr);
  run_error = PyErr_NewException("mnnq.RunError", base_error, nullptr);
  m.attr("Error") = py::handle(base_error);
  m.attr("RunError") = py::handle(run_error);
  m.attr("ModelError") = py::handle(model_error);
  m.attr("UnsupportedOpsError") = py::handle(unsupported_ops_error);
  m.attr("PluginError") = py::handle(plugin_error);
  py::register_exception_translator(&translateErrors);

  m.def("plugins_json", &pluginsJson, py::arg("search_dir"), py::arg("plugin_dirs"));
  m.def("inspect_json", &inspectJson, py::arg("model"), py::arg("ops"));
  m.def("load_image", &loadImage, py::arg("image"), py::arg("config_path"), py::arg("config_json"),
        py::arg("model"), py::arg("plugin_dirs"), py::arg("search_dir"));
  m.def("infer", &infer, py::arg("model"), py::arg("inputs"), py::arg("simulate_int8"));
  m.def("quantize", &quantize, py::arg("model"), py::arg("output"), py::arg("config_path"),
        py::arg("config_json"), py::arg("plugin_dirs"), py::arg("search_dir"), py::arg("threads"),
        py::arg("progress"), py::arg("samples"), py::arg("convert_sample"), py::arg("verbose"));
  m.attr("ABI_VERSION") = MNNQ_ABI_VERSION;
}
