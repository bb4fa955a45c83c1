// The in-memory model: the MNN object tree (generated from our own FlatBuffers schema, which
// is wire-compatible with MNN's) plus the indexes every later stage needs. Data flows one way:
// file -> Graph (checked) -> executor / calibration -> rewritten NetT -> file.
#pragma once

#include "mnnq/core/schema.hpp"  // mnnq::schema::NetT, OpT, ... (FlatBuffers object API)

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace mnnq {

// Any problem with a model file: unreadable, malformed, inconsistent. The message names the
// file and, where it applies, the op (name and index) and what is wrong.
class ModelError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Graph {
 public:
  // Reads, verifies (FlatBuffers verifier + graph checks) and unpacks a .mnn file. Data in an
  // external `<path>.weight` side file is inlined. Throws ModelError.
  static Graph load(const std::string& path);
  // Same from memory; `source_name` is used in messages.
  static Graph fromBuffer(const uint8_t* data, size_t size, const std::string& source_name);
  // Takes ownership of an object tree (e.g. a rewritten one) and checks it like a file.
  static Graph fromNet(std::unique_ptr<schema::NetT> net, const std::string& source_name);

  // An independent copy (the object tree copied member by member, no re-serialisation).
  Graph clone() const;

  Graph(Graph&&) noexcept;
  Graph& operator=(Graph&&) noexcept;
  ~Graph();

  const std::string& source() const;
  const schema::NetT& net() const;
  schema::NetT& net();  // after editing, call reindex()

  int numTensors() const;
  const std::string& tensorName(int tensor) const;
  int findTensor(const std::string& name) const;  // -1 if absent

  int numOps() const;
  const schema::OpT& op(int index) const;
  int findOp(const std::string& name) const;  // -1 if absent

  int producer(int tensor) const;                  // op index, -1 for none
  const std::vector<int>& consumers(int tensor) const;  // op indexes, in op order

  // Tensor ids produced by Input ops, in op order.
  const std::vector<int>& inputs() const;
  // Net.outputName resolved to tensor ids if present, else tensors produced by some op and
  // consumed by none, in id order.
  const std::vector<int>& outputs() const;

  // Rebuilds the indexes and re-runs the graph checks after net() was edited.
  void reindex();

 private:
  Graph();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Serialises a net (plain FlatBuffer, no identifier, not size-prefixed, as MNN expects).
std::vector<uint8_t> serializeNet(const schema::NetT& net);
// Writes atomically: a temporary file beside `path`, then rename. Never leaves a partial file.
void saveNet(const schema::NetT& net, const std::string& path);

}  // namespace mnnq
