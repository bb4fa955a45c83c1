// Subcommands of `mnnq`, like ops: a table with one row per command (kCommands in
// host/command.cpp: name, one-line summary, entry point) and one file per command,
// host/cmd_<name>.cpp, that defines the entry point declared below. Adding a command: its file,
// its declaration here, its row in the table.
//
// `args` are the arguments after the command name. Parse them with parseCommandLine (below)
// to get --help handling and usage errors for free. Exit codes: return kExitOk, or throw:
//   UsageError, mnnq::ConfigError (incl. boost::program_options errors)  -> 2
//   mnnq::PluginError with isConfigError()                              -> 2
//   anything else (ModelError, PluginError, std::exception)             -> 1
// main() prints "mnnq <command>: error: <what()>" for all of them.
#pragma once

#include <boost/program_options.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mnnq::cli {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;  // something failed while running
constexpr int kExitUsage = 2;    // bad command line or configuration

using CommandFn = int (*)(const std::vector<std::string>& args);

struct Command {
  std::string name;
  std::string summary;  // one line, shown by `mnnq --help`
  CommandFn run;
};

// The commands of the table, sorted by name.
std::vector<Command> commands();
const Command* findCommand(const std::string& name);

// Entry points, one per host/cmd_<name>.cpp.
int inferMain(const std::vector<std::string>& args);
int inspectMain(const std::vector<std::string>& args);
int pluginsMain(const std::vector<std::string>& args);
int reportMain(const std::vector<std::string>& args);
int resaveMain(const std::vector<std::string>& args);
int runMain(const std::vector<std::string>& args);

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace po = boost::program_options;

// Parses `args` for command `name` with the given options (a --help/-h option is added).
// Returns nullopt after printing help to stdout when --help was given: return kExitOk then.
// `usage` is the synopsis line(s), e.g. "mnnq plugins [--json] [show NAME]". `hidden` holds
// options not shown in --help, typically the one positional operands are stored in.
std::optional<po::variables_map> parseCommandLine(
    const std::string& name, const std::string& usage, const std::vector<std::string>& args,
    const po::options_description& options,
    const po::positional_options_description* positional = nullptr,
    const po::options_description* hidden = nullptr);

}  // namespace mnnq::cli
