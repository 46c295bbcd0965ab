// Test-set accuracy of a model, in batches: shared by the example programs.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "varscope/data.h"
#include "varscope/session.h"

namespace varscope::examples {

/// The fraction of `set` classified correctly: `correct` is a float32 scalar counting the hits of
/// the batch fed as `images` and `labels`; `set` goes through in batches of `batch_size`.
inline double accuracy(Session& sess, const Output& images, const Output& labels,
                       const Output& correct, const data::LabeledImages& set,
                       std::int64_t batch_size) {
  double hits = 0;
  std::vector<std::int64_t> rows;
  for (std::int64_t begin = 0; begin < set.size(); begin += batch_size) {
    const std::int64_t end = std::min(set.size(), begin + batch_size);
    rows.clear();
    for (std::int64_t i = begin; i < end; ++i) rows.push_back(i);
    hits += sess.run(correct, {{images, data::gather_rows(set.images, rows)},
                               {labels, data::gather_rows(set.labels, rows)}})
                .item<double>();
  }
  return hits / static_cast<double>(set.size());
}

}  // namespace varscope::examples
