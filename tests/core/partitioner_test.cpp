// Acceptance tests: partitioned variables (spec §1.6, §2 I cases 82-94, §3
// VariableScopeWithPartitioningTest and PartitionInfoTest) and the stock partitioners.
// Error texts are §1.11's E19-E30 (dtypes print "float32", decision 11); every text below that
// TF 2.21 can produce was checked against it in graph mode.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "expect_error.h"
#include "varscope/varscope.h"

namespace vs = varscope;

namespace {

using PartitionerFn = std::vector<std::int64_t> (*)(const vs::Shape&, vs::DType);

std::vector<std::int64_t> axis0_into1(const vs::Shape& shape, vs::DType) {
  return std::vector<std::int64_t>(static_cast<std::size_t>(shape.rank()), 1);
}
std::vector<std::int64_t> axis0_into2(const vs::Shape& shape, vs::DType) {
  std::vector<std::int64_t> p(static_cast<std::size_t>(shape.rank()), 1);
  p[0] = 2;
  return p;
}
std::vector<std::int64_t> axis0_into3(const vs::Shape& shape, vs::DType) {
  std::vector<std::int64_t> p(static_cast<std::size_t>(shape.rank()), 1);
  p[0] = 3;
  return p;
}

std::vector<std::string> names_of(const std::vector<vs::Variable>& vars) {
  std::vector<std::string> names;
  for (const vs::Variable& v : vars) names.push_back(v.name());
  return names;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

// Case 82 / testResultNameMatchesRequested: names, shard shapes, collections, concatenated value.
TEST(Partitioners, ResultNameMatchesRequested) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::PartitionedVariable pv;
  {
    vs::VariableScope s{"scope0", {.partitioner = axis0_into2}};
    vs::GetVariableResult v = vs::get_variable("name0", {3, 1, 1});
    ASSERT_TRUE(v.is_partitioned());
    EXPECT_FALSE(v.is_variable());
    EXPECT_EQ(v.name(), "scope0/name0");  // no ":0"
    pv = v.partitioned();
    EXPECT_EQ(v.shape(), (vs::Shape{3, 1, 1}));
    EXPECT_EQ(v.dtype(), vs::float32);
  }
  EXPECT_EQ(pv.name(), "scope0/name0");
  EXPECT_EQ(pv.shape(), (vs::Shape{3, 1, 1}));
  EXPECT_EQ(pv.dtype(), vs::float32);
  EXPECT_EQ(pv.partitions(), (std::vector<std::int64_t>{2, 1, 1}));
  ASSERT_EQ(pv.size(), 2u);
  EXPECT_EQ(pv.shards()[0].name(), "scope0/name0/part_0:0");
  EXPECT_EQ(pv.shards()[1].name(), "scope0/name0/part_1:0");
  EXPECT_EQ(pv.shards()[0].shape(), (vs::Shape{2, 1, 1}));
  EXPECT_EQ(pv.shards()[1].shape(), (vs::Shape{1, 1, 1}));
  // Iteration yields the shards in order.
  std::vector<std::string> iterated;
  for (const vs::Variable& shard : pv) iterated.push_back(shard.name());
  EXPECT_EQ(iterated, (std::vector<std::string>{"scope0/name0/part_0:0", "scope0/name0/part_1:0"}));

  vs::Output concat = pv.as_tensor();
  EXPECT_EQ(concat.name(), "scope0/name0:0");
  EXPECT_EQ(concat.shape(), (vs::Shape{3, 1, 1}));
  EXPECT_EQ(concat, pv.as_tensor());  // built once

  // Only the shards are in the collections.
  const std::vector<std::string> global = names_of(vs::global_variables());
  EXPECT_EQ(global, (std::vector<std::string>{"scope0/name0/part_0:0", "scope0/name0/part_1:0"}));
  EXPECT_FALSE(contains(global, "scope0/name0/part_2:0"));
  EXPECT_EQ(names_of(vs::trainable_variables()), global);

  // The store knows the PartitionedVariable and the shards, not a plain "scope0/name0".
  ASSERT_TRUE(g.variable_store().find_partitioned("scope0/name0").has_value());
  EXPECT_EQ(*g.variable_store().find_partitioned("scope0/name0"), pv);
  EXPECT_FALSE(g.variable_store().find("scope0/name0").has_value());
  EXPECT_TRUE(g.variable_store().find("scope0/name0/part_1").has_value());

  // Values: the concatenation equals the shards appended along axis 0.
  vs::Session sess{g};
  sess.run_targets({vs::global_variables_initializer()});
  std::vector<float> expected = sess.run(pv.shards()[0].value()).to_vector<float>();
  std::vector<float> second = sess.run(pv.shards()[1].value()).to_vector<float>();
  expected.insert(expected.end(), second.begin(), second.end());
  EXPECT_EQ(sess.run(concat).to_vector<float>(), expected);
}

// Case 83 / testBreaksIfPartitioningChanges: E28 (partitions) with exact text.
TEST(Partitioners, BreaksIfPartitioningChanges) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  {
    vs::VariableScope s{"scope0", {.partitioner = axis0_into2}};
    vs::get_variable("name0", {3, 1, 1});
  }
  {
    vs::VariableScope s{"scope0", {.partitioner = axis0_into3, .reuse = true}};
    VS_EXPECT_ERROR(vs::get_variable("name0", {3, 1, 1}), vs::ValueError,
                    "Trying to reuse partitioned variable scope0/name0, but specified partitions [3, 1, 1] and found "
                    "partitions [2, 1, 1].");
  }
  {
    vs::VariableScope s{"scope0", {.partitioner = axis0_into1, .reuse = true}};
    VS_EXPECT_ERROR(vs::get_variable("name0", {3, 1, 1}), vs::ValueError,
                    "Trying to reuse partitioned variable scope0/name0, but specified partitions [1, 1, 1] and found "
                    "partitions [2, 1, 1].");
  }
}

// E28 (shape and dtype), texts checked with TF 2.21 ("found dtype float32").
TEST(Partitioners, ReuseWithDifferentShapeOrDtype) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  {
    vs::VariableScope s{"s", {.partitioner = axis0_into2}};
    vs::get_variable("n", {3, 1, 1});
  }
  vs::VariableScope s{"s", {.partitioner = axis0_into2, .reuse = true}};
  VS_EXPECT_ERROR(vs::get_variable("n", {4, 1, 1}), vs::ValueError,
                  "Trying to reuse partitioned variable s/n, but specified shape (4, 1, 1) and found shape (3, 1, 1).");
  VS_EXPECT_ERROR(vs::get_variable("n", {3, 1, 1}, {.dtype = vs::int32}), vs::ValueError,
                  "Trying to reuse partitioned variable s/n, but specified dtype int32 and found dtype float32.");
}

// Case 84 / testReturnsExistingConcatenatedValueIfReuse.
TEST(Partitioners, ReturnsExistingPartitionedVariableOnReuse) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScope s{"scope0", {.partitioner = axis0_into2}};
  vs::GetVariableResult a = vs::get_variable("name0", {3, 1, 1});
  vs::get_variable_scope().reuse_variables();
  vs::GetVariableResult b = vs::get_variable("name0", {3, 1, 1});
  ASSERT_TRUE(b.is_partitioned());
  EXPECT_EQ(a.partitioned(), b.partitioned());
  EXPECT_EQ(a, b);
  EXPECT_EQ(vs::global_variables().size(), 2u);
}

// AUTO_REUSE with a partitioner: created once, then the same object.
TEST(Partitioners, AutoReuseCreatesOnce) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  std::vector<vs::PartitionedVariable> got;
  for (int i = 0; i < 3; ++i) {
    vs::VariableScope s{"m", {.partitioner = axis0_into2, .reuse = vs::AUTO_REUSE}};
    got.push_back(vs::get_variable("w", {4, 3}).partitioned());
  }
  EXPECT_EQ(got[0], got[1]);
  EXPECT_EQ(got[0], got[2]);
  EXPECT_EQ(names_of(vs::global_variables()), (std::vector<std::string>{"m/w/part_0:0", "m/w/part_1:0"}));
}

// Case 85 / testAllowsReuseWithoutPartitioner.
TEST(Partitioners, AllowsReuseWithoutPartitioner) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::PartitionedVariable v;
  {
    vs::VariableScope s{"scope0", {.partitioner = axis0_into2}};
    v = vs::get_variable("name0", {3, 1, 1}).partitioned();
  }
  vs::VariableScope s{"scope0", {.reuse = true}};
  vs::GetVariableResult r = vs::get_variable("name0");
  ASSERT_TRUE(r.is_partitioned());
  EXPECT_EQ(r.partitioned(), v);
}

// §1.6 step 3: the scope's partitioner is called even under reuse=True, so a shape is required.
TEST(Partitioners, ReuseWithScopePartitionerNeedsShape) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  {
    vs::VariableScope s{"scope0", {.partitioner = axis0_into2}};
    vs::get_variable("name0", {3, 1, 1});
  }
  vs::VariableScope s{"scope0", {.partitioner = axis0_into2, .reuse = true}};
  VS_EXPECT_ERROR(vs::get_variable("name0"), vs::ValueError,
                  "Shape of a new partitioned variable must be fully defined, but instead was <unknown>.");
}

// Case 86 / testPropagatePartitionerOnReopening (and inheritance by children).
TEST(Partitioners, PropagatePartitionerOnReopening) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScope s{"scope0", {.partitioner = axis0_into2}};
  ASSERT_TRUE(static_cast<bool>(s.scope().partitioner()));
  ASSERT_NE(s.scope().partitioner().target<PartitionerFn>(), nullptr);
  EXPECT_EQ(*s.scope().partitioner().target<PartitionerFn>(), &axis0_into2);
  {
    vs::VariableScope s1{s.scope()};
    ASSERT_NE(s1.scope().partitioner().target<PartitionerFn>(), nullptr);
    EXPECT_EQ(*s1.scope().partitioner().target<PartitionerFn>(), &axis0_into2);
    EXPECT_TRUE(vs::get_variable("a", {4}).is_partitioned());
  }
  {
    vs::VariableScope child{"child"};
    ASSERT_NE(child.scope().partitioner().target<PartitionerFn>(), nullptr);
    EXPECT_EQ(*child.scope().partitioner().target<PartitionerFn>(), &axis0_into2);
    EXPECT_TRUE(vs::get_variable("b", {4}).is_partitioned());
  }
  // set_partitioner replaces it for later calls in this scope.
  vs::get_variable_scope().set_partitioner(axis0_into3);
  vs::GetVariableResult c = vs::get_variable("c", {6});
  ASSERT_TRUE(c.is_partitioned());
  EXPECT_EQ(c.partitioned().size(), 3u);
}

// Case 87 / testScalarIgnoresPartitioner.
TEST(Partitioners, ScalarIgnoresPartitioner) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScope s{"scope0", {.partitioner = axis0_into2}};
  vs::GetVariableResult v = vs::get_variable("name0", {});
  ASSERT_TRUE(v.is_variable());
  EXPECT_EQ(v.name(), "scope0/name0:0");
  EXPECT_TRUE(contains(names_of(vs::global_variables()), "scope0/name0:0"));
  EXPECT_FALSE(g.variable_store().find_partitioned("scope0/name0").has_value());
}

// Case 88 / testPartitionConcatenatesAlongCorrectAxis: shard shapes along axes 0 and 1.
TEST(Partitioners, PartitionConcatenatesAlongCorrectAxis) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::Partitioner part_axis_0 = [](const vs::Shape&, vs::DType) { return std::vector<std::int64_t>{2, 1, 1}; };
  vs::Partitioner part_axis_1 = [](const vs::Shape&, vs::DType) { return std::vector<std::int64_t>{1, 2, 1}; };
  vs::PartitionedVariable v0, v1;
  {
    vs::VariableScope root{"root"};
    v0 = vs::get_variable("n0", {2, 2, 2}, {.partitioner = part_axis_0}).partitioned();
    v1 = vs::get_variable("n1", {2, 2, 2}, {.partitioner = part_axis_1}).partitioned();
  }
  EXPECT_EQ(v0.shape(), (vs::Shape{2, 2, 2}));
  EXPECT_EQ(v1.shape(), (vs::Shape{2, 2, 2}));
  ASSERT_EQ(v0.size(), 2u);
  ASSERT_EQ(v1.size(), 2u);
  EXPECT_EQ(v0.shards()[0].shape(), (vs::Shape{1, 2, 2}));
  EXPECT_EQ(v0.shards()[1].shape(), (vs::Shape{1, 2, 2}));
  EXPECT_EQ(v1.shards()[0].shape(), (vs::Shape{2, 1, 2}));
  EXPECT_EQ(v1.shards()[1].shape(), (vs::Shape{2, 1, 2}));
  EXPECT_EQ(v1.shards()[1].name(), "root/n1/part_1:0");
  EXPECT_EQ(v1.as_tensor().name(), "root/n1:0");
  EXPECT_EQ(v1.as_tensor().shape(), (vs::Shape{2, 2, 2}));

  // Values of the axis-1 concatenation: full[i][j][k] = shard_j[i][0][k].
  vs::Session sess{g};
  sess.run_targets({vs::global_variables_initializer()});
  std::vector<float> s0 = sess.run(v1.shards()[0].value()).to_vector<float>();
  std::vector<float> s1 = sess.run(v1.shards()[1].value()).to_vector<float>();
  std::vector<float> full = sess.run(v1.as_tensor()).to_vector<float>();
  ASSERT_EQ(full.size(), 8u);
  for (int i = 0; i < 2; ++i) {
    for (int k = 0; k < 2; ++k) {
      EXPECT_EQ(full[static_cast<std::size_t>(i * 4 + 0 * 2 + k)], s0[static_cast<std::size_t>(i * 2 + k)]);
      EXPECT_EQ(full[static_cast<std::size_t>(i * 4 + 1 * 2 + k)], s1[static_cast<std::size_t>(i * 2 + k)]);
    }
  }
}

// §1.6 step 7: uneven split (first d mod n shards get one more), offsets in save-slice info, and a
// tensor initializer sliced to the shards (TF 2.21: (2,5) into 3 along axis 1 gives (2,2),(2,2),(2,1)
// with values [[0,1],[5,6]], [[2,3],[7,8]], [[4],[9]]).
TEST(Partitioners, UnevenShardsOffsetsAndSlicedTensorInitializer) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  std::vector<float> init(10);
  for (int i = 0; i < 10; ++i) init[static_cast<std::size_t>(i)] = static_cast<float>(i);
  vs::Output init_tensor = vs::constant(vs::Tensor::from_vector<float>(init, vs::Shape{2, 5}));
  vs::Partitioner three_on_axis1 = [](const vs::Shape&, vs::DType) { return std::vector<std::int64_t>{1, 3}; };
  vs::GetVariableResult q =
      vs::get_variable("q", vs::Shape::unknown(), {.initializer = init_tensor, .partitioner = three_on_axis1});
  ASSERT_TRUE(q.is_partitioned());
  const vs::PartitionedVariable& pv = q.partitioned();
  EXPECT_EQ(pv.shape(), (vs::Shape{2, 5}));
  ASSERT_EQ(pv.size(), 3u);
  const std::vector<vs::Shape> shapes = {{2, 2}, {2, 2}, {2, 1}};
  const std::vector<std::vector<std::int64_t>> offsets = {{0, 0}, {0, 2}, {0, 4}};
  for (std::size_t i = 0; i < 3; ++i) {
    const vs::Variable& shard = pv.shards()[i];
    EXPECT_EQ(shard.name(), "q/part_" + std::to_string(i) + ":0");
    EXPECT_EQ(shard.shape(), shapes[i]);
    ASSERT_TRUE(shard.save_slice_info().has_value());
    EXPECT_EQ(shard.save_slice_info()->full_name, "q");
    EXPECT_EQ(shard.save_slice_info()->full_shape, (std::vector<std::int64_t>{2, 5}));
    EXPECT_EQ(shard.save_slice_info()->var_offset, offsets[i]);
    EXPECT_EQ(shard.save_slice_info()->var_shape, shapes[i].dims());
  }
  vs::Session sess{g};
  sess.run_targets({vs::global_variables_initializer()});
  EXPECT_EQ(sess.run(pv.shards()[0].value()).to_vector<float>(), (std::vector<float>{0, 1, 5, 6}));
  EXPECT_EQ(sess.run(pv.shards()[1].value()).to_vector<float>(), (std::vector<float>{2, 3, 7, 8}));
  EXPECT_EQ(sess.run(pv.shards()[2].value()).to_vector<float>(), (std::vector<float>{4, 9}));
  EXPECT_EQ(sess.run(pv.as_tensor()).to_vector<float>(), init);
}

// §1.6 steps 2 and 7 for a host value (TF: a numpy value). TF 2.21 merges only a graph tensor's
// shape into `shape`, so a host value without a shape is E19; with the shape given, the value is
// sliced to the shards ((3, 2) into 2 along axis 0 gives (2,2),(1,2)) and no E5 is raised.
TEST(Partitioners, HostValueInitializerNeedsShapeAndIsSliced) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  const vs::Tensor value = vs::Tensor::from_vector<float>({0, 1, 2, 3, 4, 5}, vs::Shape{3, 2});
  VS_EXPECT_ERROR(vs::get_variable("t0", vs::Shape::unknown(), {.initializer = value, .partitioner = axis0_into2}),
                  vs::ValueError,
                  "Shape of a new partitioned variable must be fully defined, but instead was <unknown>.");
  vs::GetVariableResult t = vs::get_variable("t", {3, 2}, {.initializer = value, .partitioner = axis0_into2});
  ASSERT_TRUE(t.is_partitioned());
  const vs::PartitionedVariable& pv = t.partitioned();
  ASSERT_EQ(pv.size(), 2u);
  EXPECT_EQ(pv.shards()[0].shape(), (vs::Shape{2, 2}));
  EXPECT_EQ(pv.shards()[1].shape(), (vs::Shape{1, 2}));
  vs::Session sess{g};
  sess.run_targets({vs::global_variables_initializer()});
  EXPECT_EQ(sess.run(pv.shards()[0].value()).to_vector<float>(), (std::vector<float>{0, 1, 2, 3}));
  EXPECT_EQ(sess.run(pv.shards()[1].value()).to_vector<float>(), (std::vector<float>{4, 5}));
  EXPECT_EQ(sess.run(pv.as_tensor()).to_vector<float>(), (std::vector<float>{0, 1, 2, 3, 4, 5}));
}

// §1.6 step 7: a callable initializer is called per shard with the shard shape and partition info.
TEST(Partitioners, CallableInitializerGetsShardShapeAndPartitionInfo) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  std::vector<vs::Shape> shapes;
  std::vector<std::vector<std::int64_t>> full_shapes, offsets;
  vs::Initializer by_offset = vs::Initializer::ShapeFn(
      [&](const vs::Shape& shape, vs::DType dtype, const vs::PartitionInfo* info) -> vs::Output {
        shapes.push_back(shape);
        if (info == nullptr) {
          full_shapes.push_back({});
          offsets.push_back({});
          return vs::zeros(shape, dtype);
        }
        full_shapes.push_back(info->full_shape);
        offsets.push_back(info->var_offset);
        return vs::fill(shape, vs::constant(static_cast<double>(info->single_offset(shape)), dtype));
      });
  vs::GetVariableResult v = vs::get_variable("v", {5, 2}, {.initializer = by_offset, .partitioner = axis0_into2});
  ASSERT_EQ(shapes.size(), 2u);
  EXPECT_EQ(shapes[0], (vs::Shape{3, 2}));
  EXPECT_EQ(shapes[1], (vs::Shape{2, 2}));
  EXPECT_EQ(full_shapes[0], (std::vector<std::int64_t>{5, 2}));
  EXPECT_EQ(full_shapes[1], (std::vector<std::int64_t>{5, 2}));
  EXPECT_EQ(offsets[0], (std::vector<std::int64_t>{0, 0}));
  EXPECT_EQ(offsets[1], (std::vector<std::int64_t>{3, 0}));
  vs::Session sess{g};
  sess.run_targets({vs::global_variables_initializer()});
  EXPECT_EQ(sess.run(v.value()).to_vector<float>(), (std::vector<float>{0, 0, 0, 0, 0, 0, 3, 3, 3, 3}));
}

// Case 89: fixed_size_partitioner(5) on (3, 2) -> [3, 1]; axis 1 variant.
TEST(Partitioners, FixedSizePartitioner) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  EXPECT_EQ(vs::fixed_size_partitioner(5)(vs::Shape{3, 2}, vs::float32), (std::vector<std::int64_t>{3, 1}));
  EXPECT_EQ(vs::fixed_size_partitioner(2)(vs::Shape{3, 2}, vs::float32), (std::vector<std::int64_t>{2, 1}));
  EXPECT_EQ(vs::fixed_size_partitioner(2, 1)(vs::Shape{4, 6}, vs::float32), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(vs::fixed_size_partitioner(10, 1)(vs::Shape{4, 6, 2}, vs::float32), (std::vector<std::int64_t>{1, 6, 1}));
  vs::GetVariableResult v = vs::get_variable("v", {3, 2}, {.partitioner = vs::fixed_size_partitioner(5)});
  ASSERT_TRUE(v.is_partitioned());
  ASSERT_EQ(v.partitioned().size(), 3u);
  for (const vs::Variable& shard : v.partitioned()) EXPECT_EQ(shard.shape(), (vs::Shape{1, 2}));
  EXPECT_EQ(v.partitioned().partitions(), (std::vector<std::int64_t>{3, 1}));
}

// Case 90: min_max_variable_partitioner (values checked with TF 2.21).
TEST(Partitioners, MinMaxVariablePartitioner) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  const vs::Shape big{1024, 1024};  // 4 MiB of float32 = 16 slices of 256 KiB
  EXPECT_EQ(vs::min_max_variable_partitioner(16)(big, vs::float32), (std::vector<std::int64_t>{16, 1}));
  EXPECT_EQ(vs::min_max_variable_partitioner(4)(big, vs::float32), (std::vector<std::int64_t>{4, 1}));
  EXPECT_EQ(vs::min_max_variable_partitioner()(big, vs::float32), (std::vector<std::int64_t>{1, 1}));
  EXPECT_EQ(vs::min_max_variable_partitioner(100)(big, vs::float64), (std::vector<std::int64_t>{32, 1}));
  // 10*30*4 = 1200 bytes / 1000 = 1.2 -> ceil 2.
  EXPECT_EQ(vs::min_max_variable_partitioner(100, 0, 1000)(vs::Shape{10, 30}, vs::float32),
            (std::vector<std::int64_t>{2, 1}));
  // Capped by shape[axis]: 3*5*8 = 120 bytes / 100 -> 2 along axis 1.
  EXPECT_EQ(vs::min_max_variable_partitioner(100, 1, 100)(vs::Shape{3, 5}, vs::float64),
            (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(vs::min_max_variable_partitioner(100, 1, 1)(vs::Shape{3, 5}, vs::float64),
            (std::vector<std::int64_t>{1, 5}));
  // Spec (TF 1.x) text; TF 2.x spells it "Cannot partition ...".
  VS_EXPECT_ERROR(vs::min_max_variable_partitioner(16, 2)(big, vs::float32), vs::ValueError,
                  "Can not partition variable along axis 2 when shape is only (1024, 1024)");
  // The default gives a single shard named "v/part_0"; its tensor is named "v:0".
  vs::GetVariableResult v = vs::get_variable("v", big, {.partitioner = vs::min_max_variable_partitioner()});
  ASSERT_TRUE(v.is_partitioned());
  ASSERT_EQ(v.partitioned().size(), 1u);
  EXPECT_EQ(v.partitioned().shards()[0].name(), "v/part_0:0");
  EXPECT_EQ(v.partitioned().shards()[0].shape(), big);
  EXPECT_EQ(v.partitioned().as_tensor().name(), "v:0");
  EXPECT_EQ(v.partitioned().as_tensor().shape(), big);
}

// variable_axis_size_partitioner: shards = ceil(dim / max(1, floor(max_bytes / bytes_per_slice)))
// capped by max_shards (values checked with TF 2.21).
TEST(Partitioners, VariableAxisSizePartitioner) {
  const vs::Shape shape{100, 10};  // float32: 40 bytes per axis-0 slice, 400 per axis-1 slice
  EXPECT_EQ(vs::variable_axis_size_partitioner(400)(shape, vs::float32), (std::vector<std::int64_t>{10, 1}));
  EXPECT_EQ(vs::variable_axis_size_partitioner(400, 0, 16, 4)(shape, vs::float32), (std::vector<std::int64_t>{4, 1}));
  EXPECT_EQ(vs::variable_axis_size_partitioner(30)(shape, vs::float32), (std::vector<std::int64_t>{100, 1}));
  EXPECT_EQ(vs::variable_axis_size_partitioner(800, 1)(shape, vs::float32), (std::vector<std::int64_t>{1, 5}));
  EXPECT_EQ(vs::variable_axis_size_partitioner(1000)(vs::Shape{10, 7}, vs::float64), (std::vector<std::int64_t>{1, 1}));
  EXPECT_EQ(vs::variable_axis_size_partitioner(100)(vs::Shape{10, 7}, vs::float64), (std::vector<std::int64_t>{10, 1}));
  // Errors (spec / TF 1.x texts); raised when the partitioner is made or at latest when called.
  VS_EXPECT_ERROR(vs::variable_axis_size_partitioner(0)(shape, vs::float32), vs::ValueError,
                  "Both max_shard_bytes and bytes_per_string_element must be positive.");
  VS_EXPECT_ERROR(vs::variable_axis_size_partitioner(10, 0, 0)(shape, vs::float32), vs::ValueError,
                  "Both max_shard_bytes and bytes_per_string_element must be positive.");
  VS_EXPECT_ERROR(vs::variable_axis_size_partitioner(10, 0, 16, -1)(shape, vs::float32), vs::ValueError,
                  "max_shards must be positive.");

  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::GetVariableResult v = vs::get_variable("v", shape, {.partitioner = vs::variable_axis_size_partitioner(400)});
  ASSERT_TRUE(v.is_partitioned());
  EXPECT_EQ(v.partitioned().size(), 10u);
  EXPECT_EQ(v.partitioned().shards()[9].name(), "v/part_9:0");
  EXPECT_EQ(v.partitioned().shards()[9].shape(), (vs::Shape{10, 10}));
}

// Case 91 (E26): AUTO_REUSE without a partitioner on a partitioned name (decision 8).
TEST(Partitioners, NoPartitionerButPartitionedVersionExists) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  {
    vs::VariableScope s{"scope0", {.partitioner = axis0_into2}};
    vs::get_variable("name0", {3, 1, 1});
  }
  {
    vs::VariableScope s{"scope0", {.reuse = vs::AUTO_REUSE}};
    VS_EXPECT_ERROR(vs::get_variable("name0", {3, 1, 1}), vs::ValueError,
                    "No partitioner was provided, but a partitioned version of the variable was found: "
                    "scope0/name0/part_0. Perhaps a variable of the same name was already created with partitioning?");
  }
  {
    vs::VariableScope s{"scope0"};
    VS_EXPECT_ERROR(vs::get_variable("name0", {3, 1, 1}), vs::ValueError,
                    "No partitioner was provided, but a partitioned version of the variable was found: "
                    "scope0/name0/part_0. Perhaps a variable of the same name was already created with partitioning?");
  }
}

// E26 from a plain variable that happens to be named "F/part_0" (TF 2.21 gives this text).
TEST(Partitioners, PlainPart0VariableTriggersE26) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::get_variable("F/part_0", {2, 1});
  VS_EXPECT_ERROR(vs::get_variable("F", {4, 1}), vs::ValueError,
                  "No partitioner was provided, but a partitioned version of the variable was found: F/part_0. "
                  "Perhaps a variable of the same name was already created with partitioning?");
}

// E25: a partitioner was given but a plain variable of that name exists (two spaces after "F.").
TEST(Partitioners, PartitionerButUnpartitionedVersionExists) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::get_variable("H", {4, 1});
  VS_EXPECT_ERROR(vs::get_variable("H", {4, 1}, {.partitioner = axis0_into2}), vs::ValueError,
                  "A partitioner was provided, but an unpartitioned version of the variable was found: H.  Perhaps a "
                  "variable of the same name was already created without partitioning?");
}

// E30: stale shards (constructed with plain variables named like shards; texts from TF 2.21).
TEST(Partitioners, StaleShards) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::get_variable("F/part_0", {2, 1});
  VS_EXPECT_ERROR(vs::get_variable("F", {4, 1}, {.partitioner = axis0_into2}), vs::ValueError,
                  "Partitioner returned a different partitioning than what was already found.  Partitioner returned 2 "
                  "shards, and shard F/part_0 was found, but F/part_1 was not.");
  vs::get_variable("G/part_0", {2, 1});
  vs::get_variable("G/part_1", {2, 1});
  vs::get_variable("G/part_2", {2, 1});
  VS_EXPECT_ERROR(vs::get_variable("G", {4, 1}, {.partitioner = axis0_into2}), vs::ValueError,
                  "Partitioner returned a different partitioning than what was already found.  Partitioner returned 2 "
                  "shards, and shard G/part_0 was found, but so was the extra shard G/part_2.");
  EXPECT_FALSE(g.variable_store().find_partitioned("F").has_value());
  EXPECT_FALSE(g.variable_store().find_partitioned("G").has_value());
}

// Case 92 (E27): creating a partitioned variable twice without reuse.
TEST(Partitioners, PartitionedAlreadyExists) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScope s{"s", {.partitioner = axis0_into2}};
  vs::get_variable("n", {3, 1, 1});
  VS_EXPECT_ERROR(vs::get_variable("n", {3, 1, 1}), vs::ValueError,
                  "Partitioned variable with name s/n already exists. Did you mean to set reuse=True or "
                  "reuse=tf.AUTO_REUSE in VarScope?");
}

// Case 93 (E29): reuse=True with a partitioner and nothing there.
TEST(Partitioners, PartitionedDoesNotExist) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::VariableScope s{"x", {.partitioner = axis0_into2, .reuse = true}};
  VS_EXPECT_ERROR(vs::get_variable("v", {4, 4}), vs::ValueError,
                  "PartitionedVariable x/v does not exist, or was not created with tf.get_variable(). Did you mean "
                  "to set reuse=False or reuse=tf.AUTO_REUSE in VarScope?");
  EXPECT_EQ(g.variable_store().size(), 0u);
}

// Case 94 (E22-E24) and E19. (E18 "Partitioner must be callable" and E21 "must return a
// sequence" cannot be expressed with a typed std::function; E20 needs a rank-0 shape that is not
// the scalar literal, which C++ cannot distinguish: a scalar shape ignores the partitioner, case 87.)
TEST(Partitioners, PartitionerResultChecks) {
  vs::Graph g;
  vs::DefaultGraph use{g};
  vs::Partitioner two_two = [](const vs::Shape&, vs::DType) { return std::vector<std::int64_t>{2, 2}; };
  vs::Partitioner zero_one = [](const vs::Shape&, vs::DType) { return std::vector<std::int64_t>{0, 1}; };
  vs::Partitioner just_two = [](const vs::Shape&, vs::DType) { return std::vector<std::int64_t>{2}; };
  VS_EXPECT_ERROR(vs::get_variable("v", {4, 4}, {.partitioner = two_two}), vs::ValueError,
                  "Can only slice a variable along one dimension: shape: (4, 4), partitioning: [2, 2]");
  VS_EXPECT_ERROR(vs::get_variable("v", {4, 4}, {.partitioner = zero_one}), vs::ValueError,
                  "Partitioner returned zero partitions for some axes: [0, 1]");
  VS_EXPECT_ERROR(vs::get_variable("v", {4, 4}, {.partitioner = just_two}), vs::ValueError,
                  "Partitioner returned a partition list that does not match the Variable's rank: [2] vs. (4, 4)");
  VS_EXPECT_ERROR(vs::get_variable("v", vs::Shape::unknown(), {.partitioner = axis0_into2}), vs::ValueError,
                  "Shape of a new partitioned variable must be fully defined, but instead was <unknown>.");
  EXPECT_EQ(g.variable_store().size(), 0u);
  EXPECT_TRUE(vs::global_variables().empty());
}

// PartitionInfoTest.testConstructorChecks (the TypeError cases cannot be expressed with vectors).
// Exact texts from TF 2.21's _PartitionInfo (lists print as Python lists).
TEST(PartitionInfoTest, ConstructorChecks) {
  VS_EXPECT_ERROR(vs::PartitionInfo({0, 1}, {0}), vs::ValueError,
                  "Expected equal length, but `var_offset` is of length 1 while full_shape is of length 2.");
  VS_EXPECT_ERROR(vs::PartitionInfo({1, 1}, {0, 1}), vs::ValueError,
                  "Expected 0 <= offset < shape but found offset=1, shape=1 for var_offset=[0, 1], full_shape=[1, 1]");
  VS_EXPECT_ERROR(vs::PartitionInfo({2, 3}, {0, -1}), vs::ValueError,
                  "Expected 0 <= offset < shape but found offset=-1, shape=3 for var_offset=[0, -1], full_shape=[2, 3]");
  vs::PartitionInfo ok({9, 3}, {4, 0});
  EXPECT_EQ(ok.full_shape, (std::vector<std::int64_t>{9, 3}));
  EXPECT_EQ(ok.var_offset, (std::vector<std::int64_t>{4, 0}));
}

// PartitionInfoTest.testSingleOffset.
TEST(PartitionInfoTest, SingleOffset) {
  vs::PartitionInfo info({9, 3}, {4, 0});
  EXPECT_EQ(info.single_offset(vs::Shape{1, 3}), 4);
  vs::PartitionInfo whole({9, 3}, {0, 0});
  EXPECT_EQ(whole.single_offset(vs::Shape{9, 3}), 0);
  vs::PartitionInfo col({9, 3}, {0, 2});
  EXPECT_EQ(col.single_offset(vs::Shape{9, 1}), 2);
}

// PartitionInfoTest.testSingleSliceDim (texts from TF 2.21 with the shapes passed as lists).
TEST(PartitionInfoTest, SingleSliceDim) {
  vs::PartitionInfo info({9, 3}, {4, 0});
  VS_EXPECT_ERROR(info.single_slice_dim(vs::Shape{1, 2, 3}), vs::ValueError,
                  "Expected equal length, but received shape=[1, 2, 3] of length 3 while self.full_shape=[9, 3] is of "
                  "length 2.");
  VS_EXPECT_ERROR(info.single_slice_dim(vs::Shape{6, 3}), vs::ValueError,
                  "With self.var_offset=[4, 0], a partition of shape=[6, 3] would exceed self.full_shape=[9, 3] in "
                  "dimension 0.");
  VS_EXPECT_ERROR(info.single_slice_dim(vs::Shape{1, 1}), vs::ValueError,
                  "Cannot use single_slice_dim() with shape=[1, 1] and self.full_shape=[9, 3] since slice dim could "
                  "be either dimension 1 or 0.");
  EXPECT_EQ(vs::PartitionInfo({9, 3}, {0, 0}).single_slice_dim(vs::Shape{9, 2}), 1);
  EXPECT_EQ(vs::PartitionInfo({9, 3}, {4, 0}).single_slice_dim(vs::Shape{2, 3}), 0);
  EXPECT_EQ(vs::PartitionInfo({9, 3}, {0, 0}).single_slice_dim(vs::Shape{9, 3}), -1);  // TF: None
}
