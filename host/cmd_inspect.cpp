// `mnnq inspect MODEL [--json]`: what a model contains, before writing a config for it.
#include "command.hpp"

#include "mnnq/core/executor.hpp"
#include "mnnq/core/inspect.hpp"

#include <boost/filesystem.hpp>

#include <iostream>

namespace mnnq::cli {
namespace {

}  // namespace

int inspectMain(const std::vector<std::string>& args) {
  po::options_description options("Options");
  options.add_options()("json", "print the report as JSON")(
      "ops", "also list every op: name (what skip_quant_op_names takes), type, input and output "
             "tensors, int8 or float");
  po::options_description hidden;
  hidden.add_options()("model", po::value<std::string>(), "model file");
  po::positional_options_description positional;
  positional.add("model", 1);
  auto vm = parseCommandLine("inspect", "mnnq inspect MODEL [--ops] [--json]", args, options, &positional, &hidden);
  if (!vm) return kExitOk;
  if (!vm->count("model")) throw UsageError("missing MODEL (the .mnn file to inspect)");
  const std::string path = (*vm)["model"].as<std::string>();

  InspectReport report = inspectModelFile(path);
  const bool ops = vm->count("ops") > 0;
  if (vm->count("json")) {
    std::cout << inspectToJson(report, ops).dump(2) << "\n";
  } else {
    std::cout << inspectToText(report, ops);
  }
  return kExitOk;
}

}  // namespace mnnq::cli
