#include "core/graph_transaction.h"

#include <exception>
#include <functional>
#include <utility>

#include "core/logging.h"

namespace varscope {

GraphTransaction::GraphTransaction(GraphImpl& graph)
    : graph_(graph),
      lock_(graph.mutex),
      undo_start_(graph.undo_log.size()),
      uncaught_exceptions_(std::uncaught_exceptions()) {
  ++graph_.transaction_depth;
}

GraphTransaction::~GraphTransaction() {
  if (std::uncaught_exceptions() > uncaught_exceptions_) {
    while (graph_.undo_log.size() > undo_start_) {
      std::function<void()> undo = std::move(graph_.undo_log.back());
      graph_.undo_log.pop_back();
      try {
        undo();
      } catch (const std::exception& e) {
        log_error(e.what());  // undo steps only erase entries; this is not expected
      }
    }
  }
  if (--graph_.transaction_depth == 0) graph_.undo_log.clear();
}

}  // namespace varscope
