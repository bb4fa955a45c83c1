// `mnnq resave IN OUT`: reads a model through the checked graph and writes it back. Useful to
// inline `.weight` side files, to normalise a file, and to prove the reader/writer round trip.
#include "command.hpp"

#include "mnnq/core/graph.hpp"

#include <iostream>

namespace mnnq::cli {
namespace {

}  // namespace

int resaveMain(const std::vector<std::string>& args) {
  po::options_description options("Options");
  po::options_description hidden;
  hidden.add_options()("in", po::value<std::string>(), "input model")("out", po::value<std::string>(), "output model");
  po::positional_options_description positional;
  positional.add("in", 1).add("out", 1);
  auto vm = parseCommandLine("resave", "mnnq resave IN OUT", args, options, &positional, &hidden);
  if (!vm) return kExitOk;
  if (!vm->count("in") || !vm->count("out")) throw UsageError("expected IN and OUT model paths");
  const std::string in = (*vm)["in"].as<std::string>();
  const std::string out = (*vm)["out"].as<std::string>();
  Graph graph = Graph::load(in);
  saveNet(graph.net(), out);
  std::cout << "wrote " << out << " (" << graph.numOps() << " ops, " << graph.numTensors() << " tensors)\n";
  return kExitOk;
}

}  // namespace mnnq::cli
