// The command table filled by MNNQ_COMMAND registrars, and the shared option parsing.
#include "command.hpp"

#include <algorithm>
#include <iostream>
#include <map>

namespace mnnq::cli {
namespace {

// Function-local so registrars in other files may run in any static-initialisation order.
std::map<std::string, Command>& table() {
  static std::map<std::string, Command> commands;
  return commands;
}

}  // namespace

CommandRegistrar::CommandRegistrar(const char* name, const char* summary, CommandFn run) {
  table()[name] = Command{name, summary, run};
}

std::vector<Command> commands() {
  std::vector<Command> list;
  for (const auto& entry : table()) list.push_back(entry.second);
  return list;
}

const Command* findCommand(const std::string& name) {
  auto found = table().find(name);
  return found == table().end() ? nullptr : &found->second;
}

std::optional<po::variables_map> parseCommandLine(const std::string& name,
                                                  const std::string& usage,
                                                  const std::vector<std::string>& args,
                                                  const po::options_description& options,
                                                  const po::positional_options_description* positional,
                                                  const po::options_description* hidden) {
  po::options_description visible;
  visible.add(options);
  po::options_description help_option;
  help_option.add_options()("help,h", "show this help");
  visible.add(help_option);
  po::options_description all;
  all.add(visible);
  if (hidden) all.add(*hidden);

  po::variables_map vm;
  po::command_line_parser parser(args);
  parser.options(all).style(po::command_line_style::default_style &
                            ~po::command_line_style::allow_guessing);
  if (positional) parser.positional(*positional);
  po::store(parser.run(), vm);
  if (vm.count("help")) {
    std::cout << "usage: " << usage << "\n";
    const Command* command = findCommand(name);
    if (command) std::cout << "\n" << command->summary << "\n";
    std::cout << "\n" << visible;
    return std::nullopt;
  }
  po::notify(vm);
  return vm;
}

}  // namespace mnnq::cli
