// `mnnq infer --model M --input NAME=FILE.npy ... --output-dir D [--dump-all] [--int8]`:
// one forward of a float or quantized model on given input tensors; writes every output as
// D/<name>.npy (and every intermediate float tensor with --dump-all). Names are made
// file-safe by replacing characters outside [A-Za-z0-9._-] with '_'.
#include "command.hpp"

#include "mnnq/core/executor.hpp"

#include <boost/filesystem.hpp>

#include <iostream>
#include <map>

namespace mnnq::cli {
namespace {

std::string fileSafe(const std::string& name) {
  std::string s = name;
  for (char& c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) c = '_';
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

int inferMain(const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()
      ("model", po::value<std::string>(), "model file (.mnn), float or quantized")
      ("input", po::value<std::vector<std::string>>()->composing(),
       "NAME=FILE.npy: value of a graph input (repeat for several inputs); the shape of the "
       "array sets the input shape")
      ("output-dir", po::value<std::string>(), "directory for the .npy results (created)")
      ("dump-all", "also write every intermediate float tensor")
      ("int8", "run a quantized model with MNN's CPU int8 semantics instead of dequantized "
               "float weights");
  auto vm = parseCommandLine(
      "infer",
      "mnnq infer --model M --input NAME=FILE.npy [--input ...] --output-dir D [--dump-all] [--int8]",
      args, options);
  if (!vm) return kExitOk;
  if (!vm->count("model")) throw UsageError("missing --model");
  if (!vm->count("output-dir")) throw UsageError("missing --output-dir");
  if (!vm->count("input"))
    throw UsageError("missing --input NAME=FILE.npy (the --config/--image form is not available yet)");
  const std::string outDir = (*vm)["output-dir"].as<std::string>();

  Graph graph = Graph::load((*vm)["model"].as<std::string>());
  std::map<int, Tensor> inputs;
  ExecutorOptions opt;
  opt.simulate_int8 = vm->count("int8") > 0;
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

  Executor executor(graph, opt);
  boost::filesystem::create_directories(outDir);
  DumpHook dump(graph, outDir);
  const auto outputs = executor.run(inputs, vm->count("dump-all") ? &dump : nullptr);
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
}  // namespace mnnq::cli

MNNQ_COMMAND("infer", "run one forward of a model on .npy inputs and write its outputs",
             mnnq::cli::inferMain)
