// A varscope Graph as TensorFlow's GraphDef (core/proto/graph.proto), the form TensorBoard's
// Graphs dashboard reads. Node names keep their scopes ("tower_0/conv1/Conv2D"), which the
// dashboard turns into collapsible boxes.
#pragma once

#include "core/proto/graph.pb.h"
#include "varscope/dtype.h"
#include "varscope/graph.h"

namespace varscope::summary {

/// TF's DataType number (types.proto) of `dtype`: float32 -> DT_FLOAT (1), float16 -> DT_HALF (19).
tensorboard::DataType to_tf_datatype(DType dtype);

/// One NodeDef per node, in creation order: name, op, inputs ("node" for output 0, "node:k", then
/// control inputs "^node"), requested device, the node's attrs converted to TF's AttrValue (vectors
/// become lists, doubles floats, Tensors raw-content TensorProtos), `_class` ("loc:@...") for
/// colocation groups and `_output_shapes` (one TensorShapeProto per output, -1 for an unknown
/// dimension, unknown_rank for an unknown rank); versions.producer = 27.
/// (tf.Graph.as_graph_def(add_shapes=True).)
tensorboard::GraphDef to_graph_def(const Graph& graph);

}  // namespace varscope::summary
