// GraphTransaction: makes one graph-building call all or nothing. If the call throws, the nodes it
// created, the names it marked as used, and the collection and variable-store entries it added are
// removed again, so a failed op or get_variable leaves the graph as it was. (TensorFlow keeps the
// nodes a composite op made before failing, and the names; the next op would be "reshape_1".) It
// holds the graph's mutex while open, so no other thread's nodes interleave with the call's own.
// Nested transactions (an op builder calling others) roll back to their own start; the outermost
// one commits.
#pragma once

#include <cstddef>
#include <mutex>

#include "core/graph_impl.h"

namespace varscope {

class GraphTransaction {
 public:
  explicit GraphTransaction(GraphImpl& graph);
  explicit GraphTransaction(Graph& graph) : GraphTransaction(graph.impl()) {}
  /// Rolls back when an exception leaves the transaction's block.
  ~GraphTransaction();
  GraphTransaction(const GraphTransaction&) = delete;
  GraphTransaction& operator=(const GraphTransaction&) = delete;

 private:
  GraphImpl& graph_;
  std::unique_lock<std::recursive_mutex> lock_;
  std::size_t undo_start_;
  int uncaught_exceptions_;
};

}  // namespace varscope
