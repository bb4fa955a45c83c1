// Graph: loading (verify -> check -> unpack -> inline external data -> check graph) and the
// indexes (producers, consumers, inputs, outputs, names) every later stage uses.
#include "mnnq/core/graph.hpp"

#include "buffer_checks.hpp"
#include "external_data.hpp"
#include "graph_checks.hpp"
#include "mnnq/core/regular_file.hpp"
#include "validate_graph.hpp"

#include <cstring>
#include <fstream>
#include <sstream>
#include <unordered_map>

namespace mnnq {

struct Graph::Impl {
  std::string source;
  std::unique_ptr<schema::NetT> net;
  std::vector<int> producer;
  std::vector<std::vector<int>> consumers;
  std::vector<int> inputs;
  std::vector<int> outputs;
  std::unordered_map<std::string, int> tensorByName;
  std::unordered_map<std::string, int> opByName;
};

namespace {

// The whole file, in memory aligned for the FlatBuffers verifier (8 bytes suffices).
std::vector<uint64_t> readAligned(const std::string& path, size_t& size) {
  const std::string irregular = notRegularFileReason(path);
  if (!irregular.empty() && irregular != "does not exist") throw ModelError(path + ": model file " + irregular);
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw ModelError(path + ": cannot open model file");
  std::streamoff end = in.tellg();
  if (end < 0) throw ModelError(path + ": cannot determine the size of the model file");
  size = static_cast<size_t>(end);
  std::vector<uint64_t> words((size + 7) / 8);
  in.seekg(0);
  if (size > 0 && !in.read(reinterpret_cast<char*>(words.data()), static_cast<std::streamsize>(size))) {
    throw ModelError(path + ": reading the model file failed");
  }
  return words;
}

std::unique_ptr<schema::NetT> unpackChecked(const uint8_t* data, size_t size, const std::string& source,
                                            const std::string& weightPath) {
  model::checkModelBuffer(data, size, source);
  std::unique_ptr<schema::NetT> net(schema::GetNet(data)->UnPack());
  model::inlineExternalData(*net, weightPath, source);
  return net;
}

}  // namespace

Graph::Graph() : impl_(std::make_unique<Impl>()) {}
Graph::Graph(Graph&&) noexcept = default;
Graph& Graph::operator=(Graph&&) noexcept = default;
Graph::~Graph() = default;

Graph Graph::load(const std::string& path) {
  size_t size = 0;
  std::vector<uint64_t> words = readAligned(path, size);
  auto net = unpackChecked(reinterpret_cast<const uint8_t*>(words.data()), size, path, path + ".weight");
  return fromNet(std::move(net), path);
}

Graph Graph::fromBuffer(const uint8_t* data, size_t size, const std::string& source_name) {
  std::vector<uint64_t> words((size + 7) / 8);
  if (size > 0) std::memcpy(words.data(), data, size);
  auto net = unpackChecked(reinterpret_cast<const uint8_t*>(words.data()), size, source_name,
                           source_name + ".weight");
  return fromNet(std::move(net), source_name);
}

Graph Graph::fromNet(std::unique_ptr<schema::NetT> net, const std::string& source_name) {
  if (!net) throw ModelError(source_name + ": no model (null net)");
  Graph graph;
  graph.impl_->source = source_name;
  graph.impl_->net = std::move(net);
  graph.reindex();
  return graph;
}

Graph Graph::clone() const {
  return fromNet(std::make_unique<schema::NetT>(*impl_->net), impl_->source);
}

void Graph::reindex() {
  Impl& g = *impl_;
  const schema::NetT& net = *g.net;
  model::checkGraph(net, g.source);
  model::validateOps(net, g.source);

  size_t tensorCount = net.tensorName.size();
  g.producer.assign(tensorCount, -1);
  g.consumers.assign(tensorCount, {});
  g.inputs.clear();
  g.outputs.clear();
  g.tensorByName.clear();
  g.opByName.clear();
  for (size_t t = 0; t < tensorCount; ++t) g.tensorByName.emplace(net.tensorName[t], static_cast<int>(t));

  for (size_t i = 0; i < net.oplists.size(); ++i) {
    const schema::OpT& op = *net.oplists[i];
    g.opByName.emplace(op.name, static_cast<int>(i));
    for (int t : op.outputIndexes) g.producer[t] = static_cast<int>(i);
    for (int t : op.inputIndexes) {
      if (t < 0) continue;
      std::vector<int>& users = g.consumers[t];
      if (users.empty() || users.back() != static_cast<int>(i)) users.push_back(static_cast<int>(i));
    }
    if (op.type == schema::OpType_Input) {
      g.inputs.insert(g.inputs.end(), op.outputIndexes.begin(), op.outputIndexes.end());
    }
  }

  if (!net.outputName.empty()) {
    for (const std::string& name : net.outputName) {
      auto it = g.tensorByName.find(name);
      if (it == g.tensorByName.end()) {
        throw ModelError(g.source + ": declared output '" + name + "' (Net.outputName) is not a tensor of the model");
      }
      g.outputs.push_back(it->second);
    }
  } else {
    for (size_t t = 0; t < tensorCount; ++t) {
      if (g.producer[t] >= 0 && g.consumers[t].empty()) g.outputs.push_back(static_cast<int>(t));
    }
  }
}

const std::string& Graph::source() const { return impl_->source; }
const schema::NetT& Graph::net() const { return *impl_->net; }
schema::NetT& Graph::net() { return *impl_->net; }

int Graph::numTensors() const { return static_cast<int>(impl_->net->tensorName.size()); }
const std::string& Graph::tensorName(int tensor) const { return impl_->net->tensorName.at(tensor); }
int Graph::findTensor(const std::string& name) const {
  auto it = impl_->tensorByName.find(name);
  return it == impl_->tensorByName.end() ? -1 : it->second;
}

int Graph::numOps() const { return static_cast<int>(impl_->net->oplists.size()); }
const schema::OpT& Graph::op(int index) const { return *impl_->net->oplists.at(index); }
int Graph::findOp(const std::string& name) const {
  auto it = impl_->opByName.find(name);
  return it == impl_->opByName.end() ? -1 : it->second;
}

int Graph::producer(int tensor) const { return impl_->producer.at(tensor); }
const std::vector<int>& Graph::consumers(int tensor) const { return impl_->consumers.at(tensor); }
const std::vector<int>& Graph::inputs() const { return impl_->inputs; }
const std::vector<int>& Graph::outputs() const { return impl_->outputs; }

}  // namespace mnnq
