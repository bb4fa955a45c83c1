// `mnnq infer --model M --input NAME=FILE.npy ... --output-dir D [--dump-all] [--dequantized]`
// and `mnnq infer --config CFG --image IMG --output-dir D [--model M] [--dump-all] [--dequantized]`:
// one forward of a float or quantized model (a quantized one with MNN's CPU int8 semantics,
// what the file computes in MNN, unless --dequantized asks for float ops on dequantized weights), on given input tensors or on one sample made by
// the config's input plugin (the preprocessing calibration uses; the model is the config's
// unless --model is given). Writes every output as D/<name>.npy, the input made from a sample
// as D/input.npy, and every intermediate float tensor with --dump-all. Names are made
// file-safe by replacing characters outside [A-Za-z0-9._-] with '_'.
#include "cli_plugins.hpp"
#include "command.hpp"

#include "mnnq/core/executor.hpp"
#include "mnnq/core/model_inputs.hpp"
#include "mnnq/core/one_sample.hpp"
#include "mnnq/core/plugin_handles.hpp"
#include "mnnq/core/run_config.hpp"

#include <boost/filesystem.hpp>

#include <cstdio>
#include <functional>
#include <iostream>
#include <map>

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

// Writes every tensor it sees (the --dump-all view), named after the tensor.
class DumpHook : public TensorHook {
 public:
  DumpHook(const Graph& g, std::string dir) : graph_(g), dir_(std::move(dir)) {}
  void onTensor(int tensor, Tensor& value) override {
    writeNpy(dir_ + "/" + fileSafe(graph_.tensorName(tensor)) + ".npy", value);
  }

 private:
  const Graph& graph_;
  std::string dir_;
};

// One forward; writes the outputs (and with dumpAll every float tensor) to outDir.
int runAndWrite(const Graph& graph, const std::map<int, Tensor>& inputs, const ExecutorOptions& opt,
                const std::string& outDir, bool dumpAll) {
  Executor executor(graph, opt);
  boost::filesystem::create_directories(outDir);
  DumpHook dump(graph, outDir);
  const auto outputs = executor.run(inputs, dumpAll ? &dump : nullptr);

  for (const auto& [t, value] : outputs) {
    const std::string path = outDir + "/" + fileSafe(graph.tensorName(t)) + ".npy";
    writeNpy(path, value);
    std::cout << graph.tensorName(t) << " [";
    for (size_t k = 0; k < value.shape.size(); ++k) std::cout << (k ? "," : "") << value.shape[k];
    std::cout << "] -> " << path << "\n";
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
    boost::filesystem::create_directories(outDir);
    writeNpy(outDir + "/input.npy", inputs.at(graph.inputs()[0]));
    return runAndWrite(graph, inputs, opt, outDir, vm->count("dump-all") > 0);
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
  return runAndWrite(graph, inputs, opt, outDir, vm->count("dump-all") > 0);
}

}  // namespace mnnq::cli
