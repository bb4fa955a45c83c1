#include "cli_plugins.hpp"

#include <boost/dll/runtime_symbol_info.hpp>

#include <iostream>

namespace mnnq::cli {

void addPluginDirOption(po::options_description& options) {
  options.add_options()("plugin-dir", po::value<std::vector<std::string>>()->composing(),
                        "also load plugins from DIR (repeatable); a plugin found there replaces "
                        "a built-in one of the same kind and name");
}

PluginRegistry loadPlugins(const po::variables_map& vm, bool quiet) {
  PluginSearchOptions search;
  search.executable_dir = boost::dll::program_location().parent_path().string();
  if (vm.count("plugin-dir")) search.plugin_dirs = vm["plugin-dir"].as<std::vector<std::string>>();
  PluginRegistry registry = PluginRegistry::discover(search);
  if (!quiet) {
    for (const auto& skipped : registry.skipped())
      if (!skipped.quiet) std::cerr << "warning: skipped plugin " << skipped.reason << "\n";
    for (const auto& warning : registry.warnings()) std::cerr << "warning: " << warning << "\n";
    for (const auto& plugin : registry.overridden())
      std::cerr << "note: built-in " << plugin->label() << " is replaced by the --plugin-dir one\n";
  }
  return registry;
}

}  // namespace mnnq::cli
