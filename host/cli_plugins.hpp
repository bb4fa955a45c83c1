// Plugin discovery as every command does it: the executable's folder, the installed plugin
// folder, MNNQ_PLUGIN_PATH and the command's --plugin-dir options.
#pragma once

#include "command.hpp"

#include "mnnq/core/plugin_registry.hpp"

namespace mnnq::cli {

// Adds "--plugin-dir DIR" (repeatable).
void addPluginDirOption(po::options_description& options);

// Discovers plugins; prints one "warning:" line per refused file to stderr unless quiet.
PluginRegistry loadPlugins(const po::variables_map& vm, bool quiet = false);

}  // namespace mnnq::cli
