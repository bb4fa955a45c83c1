// The command table and the shared option parsing.
#include "command.hpp"

#include <algorithm>
#include <iostream>
#include <map>

namespace mnnq::cli {
namespace {

const Command kCommands[] = {
    {"infer", "run one forward of a model on .npy inputs and write its outputs", inferMain},
    {"inspect", "show a model's inputs, outputs, ops, size and quantization state", inspectMain},
    {"plugins", "list the plugins found, or show one plugin's config keys", pluginsMain},
    {"report", "render a run's <output>.report.json as a self-contained HTML page", reportMain},
    {"resave", "read a model and write it back through mnnq's reader and writer", resaveMain},
    {"run", "quantize a float model with a config (also: mnnq IN OUT CFG)", runMain},
};

}  // namespace

std::vector<Command> commands() {
  std::vector<Command> list(std::begin(kCommands), std::end(kCommands));
  std::sort(list.begin(), list.end(),
            [](const Command& a, const Command& b) { return a.name < b.name; });
  return list;
}

const Command* findCommand(const std::string& name) {
  for (const Command& command : kCommands)
    if (command.name == name) return &command;
  return nullptr;
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
