// `mnnq run`: validate the command line, the config and the selected plugins, then hand a
// RunRequest to the quantization pipeline (core/pipeline).
#include "cli_plugins.hpp"
#include "command.hpp"

#include "mnnq/core/pipeline.hpp"
#include "mnnq/core/run_config.hpp"

#include <iostream>
#include <thread>

namespace mnnq::cli {
namespace {

}  // namespace

int runMain(const std::vector<std::string>& args) {
  po::options_description options("options");
  options.add_options()
      ("config,c", po::value<std::string>(), "configuration file (.json, .yaml, .yml)")
      ("model,m", po::value<std::string>(), "float .mnn model (overrides the config's `model`)")
      ("output,o", po::value<std::string>(), "quantized .mnn to write (overrides `output`)")
      ("threads,t", po::value<int>(), "worker threads, 0 = all cores (overrides `threads`)")
      ("quiet,q", "no progress output (warnings and errors are still printed)");
  addPluginDirOption(options);
  // MNN's quantized.out operands IN OUT CFG (`mnnq IN OUT CFG [options]` or `mnnq run IN OUT CFG`).
  po::options_description hidden;
  hidden.add_options()("operand", po::value<std::vector<std::string>>(), "IN OUT CFG");
  po::positional_options_description positional;
  positional.add("operand", 3);
  auto vm = parseCommandLine(
      "run",
      "mnnq run --config CFG [--model IN] [--output OUT] [--plugin-dir DIR]... [--threads N] "
      "[--quiet]\n       mnnq IN OUT CFG [same options]",
      args, options, &positional, &hidden);
  if (!vm) return kExitOk;
  if (vm->count("operand")) {
    const auto operands = (*vm)["operand"].as<std::vector<std::string>>();
    if (operands.size() != 3)
      throw UsageError("the quantized.out form takes three operands IN.mnn OUT.mnn CONFIG, given " +
                       std::to_string(operands.size()));
    for (const char* key : {"model", "output", "config"})
      if (vm->count(key))
        throw UsageError(std::string("--") + key + " cannot be combined with the operands IN OUT CFG");
    vm->insert({"model", po::variable_value(operands[0], false)});
    vm->insert({"output", po::variable_value(operands[1], false)});
    vm->insert({"config", po::variable_value(operands[2], false)});
  }
  if (!vm->count("config")) throw UsageError("'--config' is required (or the operands IN OUT CFG)");

  RunOverrides overrides;
  if (vm->count("model")) overrides.model = (*vm)["model"].as<std::string>();
  if (vm->count("output")) overrides.output = (*vm)["output"].as<std::string>();
  if (vm->count("threads")) overrides.threads = (*vm)["threads"].as<int>();
  bool quiet = vm->count("quiet") > 0;

  ConfigFile file = loadConfigFile((*vm)["config"].as<std::string>());
  PluginRegistry registry = loadPlugins(*vm);
  RunConfig run = prepareRunConfig(file, registry, overrides);
  for (const auto& note : run.notes) std::cerr << "note: " << note << "\n";

  RunRequest request = makeRunRequest(run, registry, quiet);

  return runQuantization(request);
}

}  // namespace mnnq::cli
