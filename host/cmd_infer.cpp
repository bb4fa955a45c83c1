// `mnnq infer --model M --input NAME=FILE.npy ... --output-dir D [--dump-all] [--dequantized]`
// and `mnnq infer --config CFG --image IMG --output-dir D [--model M] [--dump-all] [--dequantized]`:
// one forward of a float or quantized model (a quantized one with MNN's CPU int8 semantics,
// what the file computes in MNN, unless --dequantized asks for float ops on dequantized weights), on given input tensors or on one sample made by
// the config's input plugin (the preprocessing calibration uses; the model is the config's
// unless --model is given). Writes every output as D/<name>.npy, the input made from a sample
// as D/input.npy, and every intermediate float tensor with --dump-all. Names are made
// file-safe by replacing characters outside [A-Za-z0-9._-] with '_'. Files are published
// through OutputSet (unique temporary files, removed on errors and signals; a replaced file
// keeps its permissions; a non-regular path is refused before the forward): input and outputs
// together after the forward, --dump-all tensors one by one as they are computed.
#include "cli_plugins.hpp"
#include "command.hpp"

#include "mnnq/core/executor.hpp"
#include "mnnq/core/model_inputs.hpp"
#include "mnnq/core/npy_bytes.hpp"
#include "mnnq/core/one_sample.hpp"
#include "mnnq/core/output_set.hpp"
#include "mnnq/core/plugin_handles.hpp"
#include "mnnq/core/run_config.hpp"

#include <boost/filesystem.hpp>

#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <vector>

namespace mnnq::cli {
namespace {

std::string fileSafe(const std::string& name) {
  std::string s = name;
  for (char& c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) c = '_';
  // File systems limit a name to 255 bytes; TF-converted tensor names can be longer. Keep a
  // readable prefix and a hash of the full name so different tensors stay different files.
  if (s.size() > 200) {
    char hash[17];
    std::snprintf(hash, sizeof hash, "%016llx", static_cast<unsigned long long>(std::hash<std::string>{}(name)));
    s = s.substr(0, 180) + "_" + hash;
  }
  return s;
}

// The .npy file of each tensor infer may write: file-safe names, made unique (a name that two
// tensors map to gets a hash of the full name for the later tensor; "input" is reserved for
// the sample input made from --image).
class OutputFiles {
 public:
  OutputFiles(const Graph& g, std::string dir, bool reserveInput) : dir_(std::move(dir)) {
    if (reserveInput) taken_.insert("input");
    for (int t = 0; t < g.numTensors(); ++t) {
      std::string name = fileSafe(g.tensorName(t));
      if (taken_.count(name)) {
        char hash[17];
        std::snprintf(hash, sizeof hash, "%016llx",
                      static_cast<unsigned long long>(std::hash<std::string>{}(g.tensorName(t))));
        name = name.substr(0, 180) + "_" + hash;
      }
      taken_.insert(name);
      names_.push_back(name);
    }
  }
  std::string tensorPath(int t) const { return dir_ + "/" + names_.at(static_cast<size_t>(t)) + ".npy"; }
  std::string inputPath() const { return dir_ + "/input.npy"; }

 private:
  std::string dir_;
  std::set<std::string> taken_;
  std::vector<std::string> names_;
};

// Publishes one file now, through OutputSet (unique temporary file, renamed over the target).
void publishOne(const std::string& path, const Tensor& value) {
  OutputSet one;
  one.add(path, encodeNpy(value));
  one.publish();
}

// The --dump-all view: publishes every float tensor it sees as soon as it is computed (one file
// at a time, so memory stays that of the forward); the graph outputs are left to the final set.
class DumpHook : public TensorHook {
 public:
  DumpHook(const Graph& g, const OutputFiles& files) : graph_(g), files_(files) {}
  void onTensor(int tensor, Tensor& value) override {
    if (std::find(graph_.outputs().begin(), graph_.outputs().end(), tensor) != graph_.outputs().end()) return;
    publishOne(files_.tensorPath(tensor), value);
  }

 private:
  const Graph& graph_;
  const OutputFiles& files_;
};

// One forward; publishes the outputs (with `sampleInput` as input.npy) together, and with
// dumpAll every float tensor as it is computed. Every target is checked (absent or a regular
// file) before the forward, so a FIFO or device at an output path fails at once.
int runAndWrite(const Graph& graph, const std::map<int, Tensor>& inputs, const ExecutorOptions& opt,
                const std::string& outDir, bool dumpAll, const Tensor* sampleInput) {
  const OutputFiles files(graph, outDir, sampleInput != nullptr);
  boost::filesystem::create_directories(outDir);
  if (sampleInput) OutputSet::checkTarget(files.inputPath());
  if (dumpAll)
    for (int t = 0; t < graph.numTensors(); ++t) OutputSet::checkTarget(files.tensorPath(t));
  else
    for (int t : graph.outputs()) OutputSet::checkTarget(files.tensorPath(t));

  Executor executor(graph, opt);
  // Int8 ops whose kernel only approximates MNN's (convolutions with MNN int8 Winograd attributes
  // of a form quantized.out does not write): say so, their outputs are close to MNN's, not equal.
  const auto approximated = executor.approximatedInt8Ops();
  if (!approximated.empty()) {
    std::string list;
    for (size_t k = 0; k < approximated.size() && k < 5; ++k) list += (k ? "; " : "") + approximated[k];
    if (approximated.size() > 5) list += "; ...";
    std::fprintf(stderr,
                 "mnnq infer: warning: %zu int8 op(s) only approximate MNN's int8 runtime, their outputs "
                 "are close to MNN's, not equal (%s)\n",
                 approximated.size(), list.c_str());
  }
  DumpHook dump(graph, files);
  const auto outputs = executor.run(inputs, dumpAll ? &dump : nullptr);

  // The input and the outputs in sets of at most OutputSet::kMaxFiles (one set for any model
  // with fewer outputs).
  std::vector<std::pair<std::string, const Tensor*>> results;
  if (sampleInput) results.emplace_back(files.inputPath(), sampleInput);
  for (const auto& [t, value] : outputs) results.emplace_back(files.tensorPath(t), &value);
  for (size_t first = 0; first < results.size(); first += OutputSet::kMaxFiles) {
    OutputSet set;
    for (size_t k = first; k < std::min(results.size(), first + OutputSet::kMaxFiles); ++k)
      set.add(results[k].first, encodeNpy(*results[k].second));
    set.publish();
  }
  for (const auto& [t, value] : outputs) {
    std::cout << graph.tensorName(t) << " [";
    for (size_t k = 0; k < value.shape.size(); ++k) std::cout << (k ? "," : "") << value.shape[k];
    std::cout << "] -> " << files.tensorPath(t) << "\n";
  }
  return kExitOk;
}

}  // namespace

int inferMain(const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()
      ("model", po::value<std::string>(), "model file (.mnn), float or quantized (with --config: "
                                          "overrides the config's `model`)")
      ("config", po::value<std::string>(), "quantization config whose input plugin and "
                                           "preprocessing make the input from --image")
      ("image", po::value<std::string>(), "sample to run (with --config), e.g. an image file")
      ("input", po::value<std::vector<std::string>>()->composing(),
       "NAME=FILE.npy: value of a graph input (repeat for several inputs); the shape of the "
       "array sets the input shape")
      ("output-dir", po::value<std::string>(), "directory for the .npy results (created)")
      ("dump-all", "also write every intermediate float tensor")
      ("dequantized", "run a quantized model's ops in float on dequantized weights (a "
                      "weights-only figure) instead of MNN's CPU int8 semantics")
      ("int8", "MNN's CPU int8 semantics for a quantized model (the default)");
  addPluginDirOption(options);
  auto vm = parseCommandLine(
      "infer",
      "mnnq infer --model M --input NAME=FILE.npy [--input ...] --output-dir D [--dump-all] [--dequantized]\n"
      "       mnnq infer --config CFG --image IMG [--model M] --output-dir D [--dump-all] [--dequantized]",
      args, options);
  if (!vm) return kExitOk;
  if (!vm->count("output-dir")) throw UsageError("missing --output-dir");
  const bool fromSample = vm->count("config") > 0;
  if (fromSample && !vm->count("image")) throw UsageError("--config needs --image IMG (the sample to run)");
  if (!fromSample && vm->count("image")) throw UsageError("--image needs --config CFG (its input plugin makes the input)");
  if (fromSample && vm->count("input")) throw UsageError("give either --input or --config/--image, not both");
  if (!fromSample && !vm->count("model")) throw UsageError("missing --model");
  if (!fromSample && !vm->count("input")) throw UsageError("missing --input NAME=FILE.npy (or --config CFG --image IMG)");
  const std::string outDir = (*vm)["output-dir"].as<std::string>();

  std::map<int, Tensor> inputs;
  ExecutorOptions opt;
  if (vm->count("int8") && vm->count("dequantized")) throw UsageError("--int8 and --dequantized exclude each other");
  opt.simulate_int8 = vm->count("dequantized") == 0;
  if (fromSample) {
    ConfigFile file = loadConfigFile((*vm)["config"].as<std::string>());
    PluginRegistry registry = loadPlugins(*vm, true);
    RunOverrides overrides;
    if (vm->count("model")) overrides.model = (*vm)["model"].as<std::string>();
    // The run configuration requires an output model; infer writes none.
    overrides.output = (boost::filesystem::path(outDir) / "unused.mnn").string();
    const RunConfig run = prepareRunConfig(file, registry, overrides);
    Graph graph = Graph::load(run.settings.model);
    OneSample sample = loadOneSample(graph, run, (*vm)["image"].as<std::string>());
    inputs = std::move(sample.inputs);
    for (const auto& [name, shape] : sample.input_shapes) opt.input_shapes[name] = shape;
    const Tensor sampleInput = inputs.at(graph.inputs()[0]);
    return runAndWrite(graph, inputs, opt, outDir, vm->count("dump-all") > 0, &sampleInput);
  }
  Graph graph = Graph::load((*vm)["model"].as<std::string>());
  for (const auto& spec : (*vm)["input"].as<std::vector<std::string>>()) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
      throw UsageError("--input expects NAME=FILE.npy, got '" + spec + "'");
    const std::string name = spec.substr(0, eq);
    const int t = graph.findTensor(name);
    if (t < 0 || std::find(graph.inputs().begin(), graph.inputs().end(), t) == graph.inputs().end()) {
      std::string known;
      for (int in : graph.inputs()) known += (known.empty() ? "" : ", ") + graph.tensorName(in);
      throw UsageError("'" + name + "' is not an input of the model (inputs: " + known + ")");
    }
    Tensor value = readNpy(spec.substr(eq + 1));
    opt.input_shapes[name] = value.shape;
    inputs[t] = std::move(value);
  }
  for (int t : graph.inputs())
    if (!inputs.count(t)) throw UsageError("no --input given for model input '" + graph.tensorName(t) + "'");
  return runAndWrite(graph, inputs, opt, outDir, vm->count("dump-all") > 0, nullptr);
}

}  // namespace mnnq::cli
