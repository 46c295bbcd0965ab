// Array kernels added for training: Transpose, Tile, BroadcastTo, Pad, GatherV2, Pack,
// DynamicStitch, ZerosLike, OnesLike and the shape arithmetic of gradient rules (ShapeN, Size,
// Rank, BroadcastGradientArgs, ConcatOffset, InvertPermutation): values, TF names, shape inference
// and error texts.
#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "expect_error.h"
#include "varscope/varscope.h"

namespace varscope {
namespace {

class ArrayOps : public ::testing::Test {
 protected:
  Graph g;
  DefaultGraph use{g};

  Tensor run(const Output& fetch, const FeedDict& feeds = {}) {
    Session session{g};
    return session.run(fetch, feeds);
  }
  std::vector<float> floats(const Output& fetch) { return run(fetch).to_vector<float>(); }
  std::vector<std::int64_t> ints(const Output& fetch) {
    return run(fetch).to_vector<std::int64_t>();
  }
};

Output iota(const Shape& shape, const char* name = "iota", float start = 0.0f) {
  std::vector<float> values(static_cast<std::size_t>(shape.num_elements()));
  std::iota(values.begin(), values.end(), start);
  return constant(Tensor::from_vector(values, shape), name);
}

Output int_vector(std::vector<std::int32_t> values, const char* name) {
  return constant(Tensor::from_vector(values), name);
}

// ---- Transpose ----------------------------------------------------------------------------------

TEST_F(ArrayOps, TransposeNamesAndValues) {
  Output x = iota({2, 3}, "x");  // [[0, 1, 2], [3, 4, 5]]
  Output t = transpose(x, {1, 0});
  EXPECT_EQ(t.name(), "transpose:0");
  EXPECT_EQ(t.node->inputs()[1].name(), "transpose/perm:0");
  EXPECT_EQ(t.node->inputs()[1].dtype(), DType::kInt32);
  EXPECT_EQ(t.shape(), (Shape{3, 2}));
  EXPECT_EQ(floats(t), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  Output reversed = transpose(x, std::vector<std::int64_t>{});  // perm=None reverses the dimensions
  EXPECT_EQ(reversed.name(), "transpose_1:0");
  EXPECT_EQ(floats(reversed), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  Output dynamic = transpose(x, int_vector({1, 0}, "perm"));
  EXPECT_EQ(dynamic.name(), "transpose_2:0");
  EXPECT_EQ(dynamic.shape(), (Shape{3, 2}));
  EXPECT_EQ(floats(dynamic), (std::vector<float>{0, 3, 1, 4, 2, 5}));
}

TEST_F(ArrayOps, TransposeRanksAndMergedDimensions) {
  // (N, H, W, C) -> (N, C, H, W) against index arithmetic; merges H and W into one dimension.
  const std::int64_t n = 2, h = 3, w = 4, c = 5;
  Output x = iota({n, h, w, c}, "x");
  std::vector<float> got = floats(transpose(x, {0, 3, 1, 2}));
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t k = 0; k < c; ++k)
      for (std::int64_t y = 0; y < h; ++y)
        for (std::int64_t z = 0; z < w; ++z)
          ASSERT_EQ(got[static_cast<std::size_t>(((i * c + k) * h + y) * w + z)],
                    static_cast<float>(((i * h + y) * w + z) * c + k));
  // Rank 6 with no dimensions to merge: the generic path. out[a5..a0] = in[a0..a5].
  const std::vector<std::int64_t> dims{2, 3, 2, 3, 2, 3};
  std::vector<float> six = floats(transpose(iota(Shape(dims), "big"), std::vector<std::int64_t>{}));
  ASSERT_EQ(six.size(), 216u);
  for (std::int64_t in = 0; in < 216; ++in) {
    std::int64_t rest = in, out = 0;
    for (int d = 5; d >= 0; --d) {  // the input's last index is the output's first
      const std::int64_t index = rest % dims[static_cast<std::size_t>(d)];
      rest /= dims[static_cast<std::size_t>(d)];
      out = out * dims[static_cast<std::size_t>(d)] + index;
    }
    ASSERT_EQ(six[static_cast<std::size_t>(out)], static_cast<float>(in)) << in;
  }
  // Moving only size-1 dimensions keeps the bytes: a view.
  EXPECT_EQ(floats(transpose(iota({3, 1}, "col"), {1, 0})), (std::vector<float>{0, 1, 2}));
  // Other dtypes move as raw elements.
  Output d = constant(Tensor::from_vector<double>({1, 2, 3, 4, 5, 6}, Shape{3, 2}), "d");
  EXPECT_EQ(run(transpose(d, {1, 0})).to_vector<double>(), (std::vector<double>{1, 3, 5, 2, 4, 6}));
  Output b =
      constant(Tensor::from_vector<bool>({true, false, false, true, true, true}, Shape{2, 3}), "b");
  EXPECT_EQ(run(transpose(b, {1, 0})).to_vector<std::int32_t>(),
            (std::vector<std::int32_t>{1, 1, 0, 1, 0, 1}));
}

TEST_F(ArrayOps, TransposeErrors) {
  Output x = iota({2, 3}, "x");
  VS_EXPECT_ERROR(transpose(x, {0, 0}), InvalidArgumentError,
                  "[Transpose] node 'transpose': perm [0, 0] is not a permutation of 0..1");
  VS_EXPECT_ERROR(transpose(x, {1, 0, 2}), InvalidArgumentError,
                  "[Transpose] node 'transpose': perm [1, 0, 2] must have one entry per "
                  "dimension of the input "
                  "shape (2, 3)");
  Output perm = placeholder(int32, Shape{2}, "perm");
  Output t = transpose(x, perm, "t");
  EXPECT_EQ(t.shape(), (Shape{-1, -1}));
  Session session{g};
  VS_EXPECT_ERROR(session.run(t, {{perm, Tensor::from_vector<std::int32_t>({1, 2})}}),
                  InvalidArgumentError,
                  "[Transpose] node 't': perm [1, 2] is not a permutation of 0..1");
}

// ---- Tile, BroadcastTo, Pad ---------------------------------------------------------------------

TEST_F(ArrayOps, Tile) {
  Output x = iota({2, 2}, "x");  // [[0, 1], [2, 3]]
  Output t = tile(x, {2, 3});
  EXPECT_EQ(t.name(), "Tile:0");
  EXPECT_EQ(t.node->inputs()[1].name(), "Tile/multiples:0");
  EXPECT_EQ(t.shape(), (Shape{4, 6}));
  EXPECT_EQ(floats(t), (std::vector<float>{0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 2, 3,
                                           0, 1, 0, 1, 0, 1, 2, 3, 2, 3, 2, 3}));
  EXPECT_EQ(floats(tile(iota({3, 1}, "col"), {1, 4})),
            (std::vector<float>{0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2}));
  EXPECT_EQ(floats(tile(x, {1, 1})), (std::vector<float>{0, 1, 2, 3}));
  EXPECT_EQ(run(tile(x, {0, 2})).shape(), (Shape{0, 4}));
  Output u = placeholder(float32, Shape{-1, 2}, "u");
  EXPECT_EQ(tile(u, {3, 2}).shape(), (Shape{-1, 4}));
  EXPECT_EQ(tile(u, int_vector({1, 2}, "m")).shape(), (Shape{-1, 4}));  // Const multiples are read
  EXPECT_EQ(tile(u, placeholder(int32, Shape{2}, "unknown")).shape(), (Shape{-1, -1}));
  VS_EXPECT_ERROR(tile(x, {2}), InvalidArgumentError,
                  "[Tile] node 'Tile_7': multiples of length 1 must have one entry per dimension "
                  "of the input shape "
                  "(2, 2)");
}

TEST_F(ArrayOps, BroadcastTo) {
  Output row = iota({3}, "row");
  Output target23 = int_vector({2, 3}, "shape");
  Output b = broadcast_to(row, target23);
  EXPECT_EQ(b.name(), "BroadcastTo:0");
  EXPECT_EQ(b.shape(), (Shape{2, 3}));
  EXPECT_EQ(floats(b), (std::vector<float>{0, 1, 2, 0, 1, 2}));
  EXPECT_EQ(floats(broadcast_to(iota({2, 1}, "col"), target23)),
            (std::vector<float>{0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(floats(broadcast_to(iota({2, 3}, "same"), target23)),
            (std::vector<float>{0, 1, 2, 3, 4, 5}));
  // The target from a Shape op: its static shape is the input's.
  Output u = placeholder(float32, Shape{-1, 3}, "u");
  Output dynamic = broadcast_to(row, shape(u));
  EXPECT_EQ(dynamic.shape(), (Shape{-1, 3}));
  Session session{g};
  EXPECT_EQ(session.run(dynamic, {{u, Tensor(float32, Shape{2, 3})}}).to_vector<float>(),
            (std::vector<float>{0, 1, 2, 0, 1, 2}));
  VS_EXPECT_ERROR(broadcast_to(iota({2}, "two"), target23), InvalidArgumentError,
                  "[BroadcastTo] node 'BroadcastTo_4': cannot broadcast shape (2,) to (2, 3)");
  Output target = placeholder(int32, Shape{2}, "target");
  Output late = broadcast_to(row, target, "late");
  VS_EXPECT_ERROR(session.run(late, {{target, Tensor::from_vector<std::int32_t>({2, 4})}}),
                  InvalidArgumentError,
                  "[BroadcastTo] node 'late': cannot broadcast shape (3,) to (2, 4)");
}

TEST_F(ArrayOps, Pad) {
  Output x = iota({2, 2}, "x", 1.0f);  // [[1, 2], [3, 4]]
  Output paddings =
      constant(Tensor::from_vector<std::int32_t>({1, 0, 0, 2}, Shape{2, 2}), "paddings");
  Output p = pad(x, paddings);
  EXPECT_EQ(p.name(), "Pad:0");
  EXPECT_EQ(p.shape(), (Shape{3, 4}));
  EXPECT_EQ(floats(p), (std::vector<float>{0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0}));
  Output i = constant(Tensor::from_vector<std::int64_t>({5, 6}), "i");
  EXPECT_EQ(ints(pad(i, constant(Tensor::from_vector<std::int64_t>({2, 1}, Shape{1, 2}), "p1"))),
            (std::vector<std::int64_t>{0, 0, 5, 6, 0}));
  VS_EXPECT_ERROR(pad(x, constant(Tensor::from_vector<std::int32_t>({1, 0}, Shape{1, 2}), "p2")),
                  InvalidArgumentError,
                  "[Pad] node 'Pad_2': paddings of shape (1, 2) must have one row per dimension of "
                  "the input shape "
                  "(2, 2)");
  VS_EXPECT_ERROR(
      pad(x, constant(Tensor::from_vector<std::int32_t>({1, 0, -1, 0}, Shape{2, 2}), "p3")),
      InvalidArgumentError, "[Pad] node 'Pad_2': paddings [1, 0, -1, 0] has a negative entry");
}

// ---- GatherV2, Pack, DynamicStitch --------------------------------------------------------------

TEST_F(ArrayOps, Gather) {
  Output params = iota({3, 2}, "params");  // [[0, 1], [2, 3], [4, 5]]
  Output rows = gather(params, int_vector({2, 0, 2}, "rows"));
  EXPECT_EQ(rows.name(), "GatherV2:0");
  EXPECT_EQ(rows.node->inputs()[2].name(), "GatherV2/axis:0");
  EXPECT_EQ(rows.shape(), (Shape{3, 2}));
  EXPECT_EQ(floats(rows), (std::vector<float>{4, 5, 0, 1, 4, 5}));
  Output cols = gather(
      params, constant(Tensor::from_vector<std::int64_t>({1, 0, 1, 1}, Shape{2, 2}), "cols"), 1);
  EXPECT_EQ(cols.shape(), (Shape{3, 2, 2}));
  EXPECT_EQ(floats(cols), (std::vector<float>{1, 0, 1, 1, 3, 2, 3, 3, 5, 4, 5, 5}));
  EXPECT_EQ(ints(gather(int_vector({7, 8, 9}, "v"), constant(Tensor::scalar(1), "one"))),
            (std::vector<std::int64_t>{8}));
  Session session{g};
  VS_EXPECT_ERROR(session.run(gather(params, int_vector({0, 3}, "bad"), 0, "g")),
                  InvalidArgumentError, "[GatherV2] node 'g': indices[1] = 3 is not in [0, 3)");
}

TEST_F(ArrayOps, Stack) {
  Output a = iota({2}, "a");
  Output b = iota({2}, "b", 10.0f);
  Output s = stack({a, b});
  EXPECT_EQ(s.name(), "stack:0");
  EXPECT_EQ(s.node->op(), "Pack");
  EXPECT_EQ(s.shape(), (Shape{2, 2}));
  EXPECT_EQ(floats(s), (std::vector<float>{0, 1, 10, 11}));
  Output s1 = stack({a, b, a}, 1);
  EXPECT_EQ(s1.shape(), (Shape{2, 3}));
  EXPECT_EQ(floats(s1), (std::vector<float>{0, 10, 0, 1, 11, 1}));
  EXPECT_EQ(floats(stack({a, b}, -1)), (std::vector<float>{0, 10, 1, 11}));
  VS_EXPECT_ERROR(stack({a, iota({3}, "c")}), InvalidArgumentError,
                  "[Pack] node 'stack_3': values have different shapes (2,) and (3,)");
}

TEST_F(ArrayOps, DynamicStitch) {
  Output i0 = int_vector({0, 2}, "i0");
  Output i1 = int_vector({1, 3, 2}, "i1");
  Output d0 = iota({2, 2}, "d0");      // rows [0, 1], [2, 3]
  Output d1 = iota({3, 2}, "d1", 10);  // rows [10, 11], [12, 13], [14, 15]
  Output merged = dynamic_stitch({i0, i1}, {d0, d1});
  EXPECT_EQ(merged.name(), "DynamicStitch:0");
  EXPECT_EQ(merged.shape(), (Shape{4, 2}));
  // Index 2 appears twice: the later input wins.
  EXPECT_EQ(floats(merged), (std::vector<float>{0, 1, 10, 11, 14, 15, 12, 13}));
  VS_EXPECT_ERROR(dynamic_stitch({i0}, {iota({3}, "short")}), InvalidArgumentError,
                  "[DynamicStitch] node 'DynamicStitch_1': data shape (3,) must start with the "
                  "indices shape (2,)");
}

TEST_F(ArrayOps, ZerosLikeAndOnesLike) {
  Output x = iota({2, 3}, "x");
  Output z = zeros_like(x);
  EXPECT_EQ(z.name(), "zeros_like:0");
  EXPECT_EQ(z.node->op(), "Const");  // a known shape becomes a Const, as TF does
  Output u = placeholder(float32, Shape{-1, 2}, "u");
  Output zu = zeros_like(u);
  Output ou = ones_like(u);
  EXPECT_EQ(zu.name(), "zeros_like_1:0");
  EXPECT_EQ(zu.node->op(), "ZerosLike");
  EXPECT_EQ(ou.name(), "ones_like:0");
  EXPECT_EQ(ou.node->op(), "OnesLike");
  EXPECT_EQ(ou.shape(), (Shape{-1, 2}));
  Session session{g};
  FeedDict feed{{u, Tensor::filled(float32, Shape{3, 2}, 7.0)}};
  EXPECT_EQ(session.run(zu, feed).to_vector<float>(), std::vector<float>(6, 0.0f));
  EXPECT_EQ(session.run(ou, feed).to_vector<float>(), std::vector<float>(6, 1.0f));
  Output i = placeholder(int64, Shape{-1}, "i");
  EXPECT_EQ(session.run(ones_like(i), {{i, Tensor::from_vector<std::int64_t>({4, 5})}})
                .to_vector<std::int64_t>(),
            (std::vector<std::int64_t>{1, 1}));
  EXPECT_EQ(floats(ones_like(x)), std::vector<float>(6, 1.0f));
}

// ---- Shape arithmetic ---------------------------------------------------------------------------

TEST_F(ArrayOps, BroadcastGradientArgs) {
  const auto args = [&](std::vector<std::int32_t> s0, std::vector<std::int32_t> s1) {
    std::vector<Output> r = broadcast_gradient_args(int_vector(s0, "s0"), int_vector(s1, "s1"));
    Session session{g};
    std::vector<Tensor> v = session.run(r);
    return std::make_pair(v[0].to_vector<std::int64_t>(), v[1].to_vector<std::int64_t>());
  };
  using Axes = std::vector<std::int64_t>;
  EXPECT_EQ(args({2, 3}, {3}), std::make_pair(Axes{}, Axes{0}));
  EXPECT_EQ(args({2, 1}, {1, 3}), std::make_pair(Axes{1}, Axes{0}));
  EXPECT_EQ(args({}, {2, 2}), std::make_pair(Axes{0, 1}, Axes{}));
  EXPECT_EQ(args({2, 1}, {2, 1}), std::make_pair(Axes{}, Axes{}));
  // A dimension where both are 1 is reduced for both (TF's BCast without the fewer-dims rewrite).
  EXPECT_EQ(args({1, 1}, {2, 1}), std::make_pair(Axes{0, 1}, Axes{1}));
  EXPECT_EQ(args({4, 1, 3}, {5, 1}), std::make_pair(Axes{1}, Axes{0, 2}));
  std::vector<Output> r =
      broadcast_gradient_args(int_vector({2, 3}, "a"), int_vector({4}, "b"), "bga");
  EXPECT_EQ(r[0].name(), "bga:0");
  EXPECT_EQ(r[1].name(), "bga:1");
  EXPECT_EQ(r[0].shape(), (Shape{-1}));
  Session session{g};
  VS_EXPECT_ERROR(session.run(r[0]), InvalidArgumentError,
                  "[BroadcastGradientArgs] node 'bga': incompatible shapes [2, 3] and [4]");
}

TEST_F(ArrayOps, ConcatOffsetShapeNSizeRankInvertPermutation) {
  std::vector<Output> offsets = concat_offset(
      constant(Tensor::scalar(1), "axis"),
      {int_vector({2, 3, 5}, "s0"), int_vector({2, 4, 5}, "s1"), int_vector({2, 1, 5}, "s2")});
  ASSERT_EQ(offsets.size(), 3u);
  EXPECT_EQ(offsets[2].name(), "ConcatOffset:2");
  Session session{g};
  std::vector<Tensor> v = session.run(offsets);
  EXPECT_EQ(v[0].to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 0, 0}));
  EXPECT_EQ(v[1].to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 3, 0}));
  EXPECT_EQ(v[2].to_vector<std::int64_t>(), (std::vector<std::int64_t>{0, 7, 0}));
  std::vector<Output> bad = concat_offset(constant(Tensor::scalar(0), "zero"),
                                          {int_vector({2, 3}, "a"), int_vector({2, 4}, "b")}, "co");
  VS_EXPECT_ERROR(
      session.run(bad), InvalidArgumentError,
      "[ConcatOffset] node 'co': shape [2, 4] does not match [2, 3] outside dimension 0");

  Output u = placeholder(float32, Shape{-1, 3}, "u");
  Output k = placeholder(float32, Shape::unknown(), "k");
  std::vector<Output> shapes = shape_n({u, k});
  EXPECT_EQ(shapes[0].name(), "ShapeN:0");
  EXPECT_EQ(shapes[0].shape(), (Shape{2}));
  EXPECT_EQ(shapes[1].shape(), (Shape{-1}));
  Output size_u = size(u);
  Output rank_k = rank(k);
  EXPECT_EQ(size_u.node->op(), "Size");
  EXPECT_EQ(rank_k.node->op(), "Rank");
  EXPECT_EQ(rank(u).node->op(), "Const");  // statically known: a Const, as TF's optimize=True
  EXPECT_EQ(size(iota({2, 3}, "x")).node->op(), "Const");
  FeedDict feeds{{u, Tensor(float32, Shape{4, 3})}, {k, Tensor(float32, Shape{2, 2, 2})}};
  std::vector<Tensor> got = session.run({shapes[0], shapes[1], size_u, rank_k}, feeds);
  EXPECT_EQ(got[0].to_vector<std::int64_t>(), (std::vector<std::int64_t>{4, 3}));
  EXPECT_EQ(got[1].to_vector<std::int64_t>(), (std::vector<std::int64_t>{2, 2, 2}));
  EXPECT_EQ(got[2].item<std::int64_t>(), 12);
  EXPECT_EQ(got[3].item<std::int64_t>(), 3);

  Output inv = invert_permutation(int_vector({2, 0, 1}, "p"));
  EXPECT_EQ(inv.name(), "InvertPermutation:0");
  EXPECT_EQ(session.run(inv).to_vector<std::int64_t>(), (std::vector<std::int64_t>{1, 2, 0}));
  VS_EXPECT_ERROR(session.run(invert_permutation(int_vector({0, 0}, "q"), "ip")),
                  InvalidArgumentError,
                  "[InvertPermutation] node 'ip': x [0, 0] is not a permutation of 0..1");
}

}  // namespace
}  // namespace varscope
