// `mnnq`: dispatches to a subcommand (see command.hpp), maps errors to exit codes, and keeps
// MNN's `quantized.out IN OUT CFG` form working as `mnnq run`.
#include "command.hpp"

#include "mnnq/core/config_key.hpp"
#include "mnnq/core/plugin_handles.hpp"
#include "mnnq/core/suggest.hpp"

#include <mnnq/abi.h>

#include <iostream>

#ifndef MNNQ_VERSION
#define MNNQ_VERSION "unknown"
#endif

namespace {

using namespace mnnq::cli;

void printHelp(std::ostream& out) {
  out << "mnnq " MNNQ_VERSION " - post-training int8 quantization of MNN models\n\n"
         "usage: mnnq <command> [options]      (mnnq <command> --help for its options)\n"
         "       mnnq IN.mnn OUT.mnn CONFIG    (MNN quantized.out form: same as\n"
         "                                      mnnq run --model IN --output OUT --config CONFIG)\n"
         "       mnnq --help | --version\n\ncommands:\n";
  for (const auto& command : commands()) {
    std::string name = command.name;
    name.resize(std::max<size_t>(name.size() + 2, 10), ' ');
    out << "  " << name << command.summary << "\n";
  }
  out << "\nexit status: 0 success, 1 failure while running, 2 bad command line or configuration\n"
         "plugins are loaded from the executable's folder, <prefix>/lib/mnnq/plugins,\n"
         "MNNQ_PLUGIN_PATH (':'-separated) and each --plugin-dir.\n";
}

int runCommand(const Command& command, const std::vector<std::string>& args) {
  const std::string prefix = "mnnq " + command.name + ": error: ";
  try {
    return command.run(args);
  } catch (const boost::program_options::error& e) {
    std::cerr << prefix << e.what() << " (see mnnq " << command.name << " --help)\n";
    return kExitUsage;
  } catch (const UsageError& e) {
    std::cerr << prefix << e.what() << " (see mnnq " << command.name << " --help)\n";
    return kExitUsage;
  } catch (const mnnq::ConfigError& e) {
    std::cerr << prefix << e.what() << "\n";
    return kExitUsage;
  } catch (const mnnq::PluginError& e) {
    std::cerr << prefix << e.what() << "\n";
    return e.isConfigError() ? kExitUsage : kExitFailure;
  } catch (const std::exception& e) {
    std::cerr << prefix << e.what() << "\n";
    return kExitFailure;
  } catch (...) {
    std::cerr << prefix << "unknown error\n";
    return kExitFailure;
  }
}

bool looksLikeOption(const std::string& arg) { return !arg.empty() && arg[0] == '-'; }

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    printHelp(std::cerr);
    return kExitUsage;
  }
  const std::string& first = args[0];
  if (first == "--help" || first == "-h" || first == "help") {
    if (args.size() > 1) {
      if (const Command* command = findCommand(args[1])) return runCommand(*command, {"--help"});
    }
    printHelp(std::cout);
    return kExitOk;
  }
  if (first == "--version" || first == "-V") {
    std::cout << "mnnq " MNNQ_VERSION " (plugin ABI " << MNNQ_ABI_VERSION << ")\n";
    return kExitOk;
  }
  if (const Command* command = findCommand(first))
    return runCommand(*command, std::vector<std::string>(args.begin() + 1, args.end()));

  // MNN's quantized.out: three operands, model in, model out, config, then any option of
  // `mnnq run` (-q, --threads N, --plugin-dir DIR, ...).
  if (args.size() >= 3 && !looksLikeOption(args[0]) && !looksLikeOption(args[1]) &&
      !looksLikeOption(args[2])) {
    if (const Command* run = findCommand("run")) return runCommand(*run, args);
  }

  std::vector<std::string> names;
  for (const auto& command : commands()) names.push_back(command.name);
  std::string suggestion = mnnq::closestMatch(first, names);
  std::cerr << "mnnq: error: unknown command '" << first << "'";
  if (!suggestion.empty()) std::cerr << "; did you mean '" << suggestion << "'?";
  std::cerr << " (see mnnq --help)\n";
  return kExitUsage;
}
