// The catalogue of bad input: one wrong call per case across the public API (ranks, shapes, dtypes,
// names, scopes, feeds, devices, files, options). Each must raise its typed error (ErrorCode) with
// a message that names the offending object and value, and leave everything as it was: no node, no
// variable-store entry, no collection entry, no changed variable value, no file touched.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "scratch_dir.h"
#include "varscope/checkpoint_reader.h"
#include "varscope/collections.h"
#include "varscope/data.h"
#include "varscope/error.h"
#include "varscope/initializers.h"
#include "varscope/layers.h"
#include "varscope/name_scope.h"
#include "varscope/nn.h"
#include "varscope/ops.h"
#include "varscope/saver.h"
#include "varscope/session.h"
#include "varscope/summary.h"
#include "varscope/train.h"
#include "varscope/variable_scope.h"
#include "varscope/variable_store.h"

namespace varscope {
namespace {

namespace fs = std::filesystem;

// What every case starts from: scope "model" with w [3, 4] and b [4], x [?, 3] and logits [?, 4],
// an initialized Session, a scratch directory with one good checkpoint.
struct World {
  Graph graph;
  Output x;
  Output labels;
  Variable w;
  Variable b;
  Output logits;
  std::unique_ptr<Session> session;
  testing::ScratchDir dir;
  std::string checkpoint;

  World() {
    DefaultGraph use{graph};
    x = placeholder(DType::kFloat32, Shape{-1, 3}, "x");
    labels = placeholder(DType::kInt32, Shape{-1}, "labels");
    {
      VariableScope scope{"model"};
      w = get_variable("w", {3, 4}, {.initializer = constant_initializer(0.5)}).variable();
      b = get_variable("b", {4}, {.initializer = zeros_initializer()}).variable();
    }
    logits = matmul(x, w) + b;
    session = std::make_unique<Session>(graph);
    session->run_targets({global_variables_initializer(graph)});
    train::Saver saver({}, graph);
    checkpoint = saver.save(*session, (dir.path() / "good").string());
  }

  Tensor batch(std::int64_t rows) const {
    return Tensor::filled(DType::kFloat32, Shape{rows, 3}, 1.0);
  }

  /// Called by a case after building the good inputs of its bad call: what must not change is what
  /// exists from here on (defaults to the state before the case).
  void mark();
  std::function<void()> on_mark;
};

void World::mark() {
  if (on_mark) on_mark();
}

// What a failed call must leave as it was.
struct Snapshot {
  std::size_t nodes = 0;
  std::size_t store = 0;
  std::size_t global = 0;
  std::size_t trainable = 0;
  std::vector<float> w;
  std::vector<float> b;
  std::vector<std::string> files;

  static Snapshot of(World& world) {
    Snapshot s;
    s.nodes = world.graph.num_nodes();
    s.store = world.graph.variable_store().size();
    s.global = global_variables("", world.graph).size();
    s.trainable = trainable_variables("", world.graph).size();
    s.w = world.session->variable_value(world.w).to_vector<float>();
    s.b = world.session->variable_value(world.b).to_vector<float>();
    for (const auto& entry : fs::recursive_directory_iterator(world.dir.path())) {
      s.files.push_back(entry.path().string() + " " +
                        std::to_string(entry.is_regular_file() ? entry.file_size() : 0));
    }
    std::sort(s.files.begin(), s.files.end());
    return s;
  }
  bool operator==(const Snapshot&) const = default;
};

struct BadInput {
  std::string name;
  ErrorCode code;
  std::vector<std::string> fragments;  // the message names the object and the value at fault
  std::function<void(World&)> call;
};

std::ostream& operator<<(std::ostream& os, const BadInput& c) { return os << c.name; }

// Conv2D "conv" of a [1, 8, 8, 3] image with one argument wrong.
BadInput conv2d_case(std::string name, std::vector<std::string> fragments,
                     std::vector<std::int64_t> filter, std::vector<std::int64_t> strides,
                     std::string padding) {
  return {std::move(name), ErrorCode::kInvalidArgument, std::move(fragments), [=](World& w) {
            const Output images = zeros({1, 8, 8, 3});
            const Output weights = zeros(Shape(filter));
            w.mark();
            nn::conv2d(images, weights, strides, padding, {1, 1, 1, 1}, "conv");
          }};
}

std::vector<BadInput> catalogue() {
  using E = ErrorCode;
  return {
      // --- ranks and shapes at graph construction -------------------------------------------
      {"MatMulOfAVector",
       E::kInvalidArgument,
       {"'mm'", "b must be 2-D", "(3,)"},
       [](World& w) {
         const Output v = constant(Tensor::from_vector<float>({1, 2, 3}));
         w.mark();
         matmul(w.x, v, false, false, "mm");
       }},
      {"MatMulInnerDimensions",
       E::kInvalidArgument,
       {"'mm'", "3", "5"},
       [](World& w) {
         const Output m = zeros({5, 2});
         w.mark();
         matmul(w.x, m, false, false, "mm");
       }},
      {"AddShapesDoNotBroadcast",
       E::kInvalidArgument,
       {"'sum'", "(3,)", "(4,)"},
       [](World& w) {
         const Output a = zeros({3});
         const Output b = zeros({4});
         w.mark();
         add(a, b, "sum");
       }},
      {"Conv2DOfAMatrix",
       E::kInvalidArgument,
       {"'conv'", "(?, 3)"},
       [](World& w) {
         const Output filter = zeros({3, 3, 1, 8});
         w.mark();
         nn::conv2d(w.x, filter, {1, 1, 1, 1}, "SAME", {1, 1, 1, 1}, "conv");
       }},
      conv2d_case("Conv2DChannels", {"'conv'", "3", "2"}, {3, 3, 2, 8}, {1, 1, 1, 1}, "SAME"),
      conv2d_case("Conv2DPadding", {"'conv'", "FULL"}, {3, 3, 3, 8}, {1, 1, 1, 1}, "FULL"),
      conv2d_case("Conv2DZeroStride", {"'conv'", "stride"}, {3, 3, 3, 8}, {1, 0, 1, 1}, "SAME"),
      {"MaxPoolKsizeLength",
       E::kInvalidArgument,
       {"'pool'", "ksize"},
       [](World& w) {
         const Output images = zeros({1, 8, 8, 3});
         w.mark();
         nn::max_pool(images, {2, 2}, {1, 2, 2, 1}, "VALID", "pool");
       }},
      {"ReshapeElementCount",
       E::kInvalidArgument,
       {"'reshape'", "6", "4"},
       [](World& w) {
         const Output m = zeros({2, 3});
         w.mark();
         reshape(m, Shape{4}, "reshape");
       }},
      {"ConcatAxisOutOfRange",
       E::kInvalidArgument,
       {"'cat'", "5"},
       [](World& w) {
         const Output a = zeros({2, 3});
         const Output b = zeros({2, 3});
         w.mark();
         concat({a, b}, 5, "cat");
       }},
      {"ConcatRanksDiffer",
       E::kInvalidArgument,
       {"'cat'", "(2, 3)", "(2,)"},
       [](World& w) {
         const Output a = zeros({2, 3});
         const Output b = zeros({2});
         w.mark();
         concat({a, b}, 0, "cat");
       }},
      {"ReduceAxisOutOfRange",
       E::kInvalidArgument,
       {"total", "axis", "2"},
       [](World& w) { reduce_sum(w.x, std::vector<std::int64_t>{2}, false, "total"); }},
      {"TransposePermLength",
       E::kInvalidArgument,
       {"t", "perm"},
       [](World& w) {
         transpose(w.x, std::vector<std::int64_t>{0, 1, 2}, "t");
       }},
      {"SliceBeyondTheEnd",
       E::kInvalidArgument,
       {"'cut'", "[0, 2]", "(2, 3)"},
       [](World& w) {
         const Output m = zeros({2, 3});
         w.mark();
         slice(m, {0, 2}, {2, 2}, "cut");
       }},
      {"SoftmaxCrossEntropyShapes",
       E::kInvalidArgument,
       {"'xent'", "(?, 4)", "(2, 5)"},
       [](World& w) {
         const Output labels = zeros({2, 5});
         w.mark();
         nn::softmax_cross_entropy_with_logits(labels, w.logits, "xent");
       }},
      {"SparseLabelsRank",
       E::kValue,
       {"labels", "received 2"},
       [](World& w) {
         const Output labels = placeholder(DType::kInt32, Shape{-1, 2}, "labels2");
         w.mark();
         nn::sparse_softmax_cross_entropy_with_logits(labels, w.logits, "xent");
       }},
      {"DropoutRate", E::kValue, {"rate", "1"}, [](World& w) { nn::dropout(w.logits, 1.0); }},
      // --- dtypes ------------------------------------------------------------------------------
      {"AddDtypesDiffer",
       E::kInvalidArgument,
       {"'sum'", "float32", "int32"},
       [](World& w) {
         const Output one = constant(Tensor::scalar<std::int32_t>(1));
         w.mark();
         add(w.x, one, "sum");
       }},
      {"MatMulOfBool",
       E::kInvalidArgument,
       {"'mm'", "bool"},
       [](World& w) {
         const Output m = constant(Tensor::zeros(DType::kBool, Shape{2, 2}));
         w.mark();
         matmul(m, m, false, false, "mm");
       }},
      {"GatherWithFloatIndices",
       E::kInvalidArgument,
       {"'rows'", "float32"},
       [](World& w) {
         const Output indices = zeros({2});
         w.mark();
         gather(w.logits, indices, 0, "rows");
       }},
      {"AssignDtype",
       E::kInvalidArgument,
       {"'Assign'", "float32", "float64"},
       [](World& w) {
         const Output value = constant(Tensor::zeros(DType::kFloat64, Shape{3, 4}));
         w.mark();
         assign(w.w, value);
       }},
      {"AssignShape",
       E::kInvalidArgument,
       {"'Assign'", "(3, 4)", "(4, 3)"},
       [](World& w) {
         const Output value = zeros({4, 3});
         w.mark();
         assign(w.w, value);
       }},
      // --- names and scopes --------------------------------------------------------------------
      {"NameScopeInvalidName",
       E::kValue,
       {"'bad name!' is not a valid scope name"},
       [](World&) { NameScope scope{"bad name!"}; }},
      {"OpInvalidName",
       E::kValue,
       {"'-x' is not a valid node name"},
       [](World&) { placeholder(DType::kFloat32, Shape{1}, "-x"); }},
      {"VariableAlreadyExists",
       E::kValue,
       {"Variable model/w already exists, disallowed"},
       [](World&) {
         VariableScope scope{"model"};
         get_variable("w", {3, 4});
       }},
      {"VariableDoesNotExist",
       E::kValue,
       {"Variable model/v does not exist"},
       [](World&) {
         VariableScope scope{"model", {.reuse = true}};
         get_variable("v", {3});
       }},
      {"ReuseWithAnotherShape",
       E::kValue,
       {"model/w", "(4, 4)", "(3, 4)"},
       [](World&) {
         VariableScope scope{"model", {.reuse = AUTO_REUSE}};
         get_variable("w", {4, 4});
       }},
      {"ReuseWithAnotherDtype",
       E::kValue,
       {"model/w", "float64"},
       [](World&) {
         VariableScope scope{"model", {.reuse = AUTO_REUSE}};
         get_variable("w", {3, 4}, {.dtype = DType::kFloat64});
       }},

      {"Complex64VariableWithoutInitializer",
       E::kValue,
       {"cplx", "complex64"},
       [](World&) { get_variable("cplx", {2}, {.dtype = DType::kComplex64}); }},
      {"ScopeWithoutAName",
       E::kType,
       {"If default_name is None then name_or_scope is required"},
       [](World&) {
         VariableScope scope{std::nullopt, VariableScopeOptions{}};
       }},
      {"DenseOfAnUnknownLastDimension",
       E::kValue,
       {"Dense layer", "(?, ?)"},
       [](World& w) {
         const Output features = placeholder(DType::kFloat32, Shape{-1, -1});
         w.mark();
         layers::dense(features, 4);
       }},
      // --- feeds and fetches -------------------------------------------------------------------
      {"FeedDtype",
       E::kInvalidArgument,
       {"x:0", "int32", "float32"},
       [](World& w) {
         w.session->run(w.logits, {{w.x, Tensor::zeros(DType::kInt32, Shape{2, 3})}});
       }},
      {"FeedShape",
       E::kInvalidArgument,
       {"x:0", "(2, 5)", "(?, 3)"},
       [](World& w) {
         w.session->run(w.logits, {{w.x, Tensor::zeros(DType::kFloat32, Shape{2, 5})}});
       }},
      {"PlaceholderNotFed", E::kInvalidArgument, {"x"}, [](World& w) { w.session->run(w.logits); }},
      {"FetchFromAnotherGraph",
       E::kInvalidArgument,
       {"'other:0' is not an element of this graph"},
       [](World& w) {
         Graph other;
         DefaultGraph use{other};
         w.session->run(placeholder(DType::kFloat32, Shape{1}, "other"));
       }},
      {"SameTensorFedTwice",
       E::kInvalidArgument,
       {"x:0", "more than once"},
       [](World& w) {
         w.session->run(w.logits, {{w.x, w.batch(2)}, {w.x, w.batch(2)}});
       }},
      {"UninitializedVariable",
       E::kFailedPrecondition,
       {"Attempting to use uninitialized value model/w"},
       [](World& w) {
         Session fresh{w.graph};
         fresh.run(w.logits, {{w.x, w.batch(2)}});
       }},
      {"AssignVariableShape",
       E::kInvalidArgument,
       {"model/w", "(3, 4)", "(2, 2)"},
       [](World& w) {
         w.session->assign_variable(w.w, Tensor::zeros(DType::kFloat32, Shape{2, 2}));
       }},
      {"AssignVariableDtype",
       E::kInvalidArgument,
       {"model/b", "int64"},
       [](World& w) { w.session->assign_variable(w.b, Tensor::zeros(DType::kInt64, Shape{4})); }},
      // --- devices -----------------------------------------------------------------------------
      {"MemoryStatsOfAMissingDevice",
       E::kNotFound,
       {"GPU:7"},
       [](World& w) { w.session->memory_stats("/gpu:7"); }},
      {"MalformedDeviceSpec",
       E::kInvalidArgument,
       {"/device:GPU:zero"},
       [](World&) { DeviceScope scope{"/device:GPU:zero"}; }},
      {"HardPlacementOnAMissingDevice",
       E::kInvalidArgument,
       {"on_gpu", "GPU:5"},
       [](World& w) {
         {
           DeviceScope gpu{"/gpu:5"};
           identity(w.x, "on_gpu");
         }
         // The node is valid (placement is a run-time matter, as in TF); the run is the bad call.
         w.mark();
         Session strict{w.graph, {.allow_soft_placement = false}};
         strict.run(w.graph.find_node("on_gpu")->output(0), {{w.x, w.batch(1)}});
       }},
      // --- files -------------------------------------------------------------------------------
      {"RestoreAMissingCheckpoint",
       E::kNotFound,
       {"/missing"},
       [](World& w) {
         train::Saver saver({}, w.graph);
         saver.restore(*w.session, (w.dir.path() / "missing").string());
       }},
      {"RestoreATruncatedCheckpoint",
       E::kDataLoss,
       {"cut.safetensors"},
       [](World& w) {
         const fs::path cut = w.dir.path() / "cut.safetensors";
         fs::copy_file(w.checkpoint, cut);
         fs::resize_file(cut, fs::file_size(cut) - 5);
         struct Remove {
           fs::path p;
           ~Remove() { fs::remove(p); }
         } remove{cut};
         train::Saver saver({}, w.graph);
         saver.restore(*w.session, cut.string());
       }},
      {"RestoreIntoAnotherShape",
       E::kInvalidArgument,
       {"model/w", "[3, 4]", "[3, 5]", "nothing was restored"},
       [](World& w) {
         // A checkpoint of the same names with w [3, 5]: nothing may be restored, b included.
         Graph other;
         const fs::path path = w.dir.path() / "other" / "other_shape";
         fs::create_directories(path.parent_path());
         std::string written;
         {
           DefaultGraph use{other};
           VariableScope scope{"model"};
           get_variable("w", {3, 5}, {.initializer = constant_initializer(9)});
           get_variable("b", {4}, {.initializer = constant_initializer(9)});
           Session s{other};
           s.run_targets({global_variables_initializer(other)});
           written = train::Saver({}, other).save(s, path.string());
         }
         struct Remove {
           fs::path p;
           ~Remove() { fs::remove_all(p.parent_path()); }
         } remove{written};
         train::Saver saver({}, w.graph);
         saver.restore(*w.session, written);
       }},
      {"ReadIdxWithABadMagic",
       E::kInvalidArgument,
       {"bad.idx", "magic"},
       [](World& w) {
         const fs::path bad = w.dir.path() / "bad.idx";
         {
           std::ofstream out(bad, std::ios::binary);
           out << "not an idx file";
         }
         struct Remove {
           fs::path p;
           ~Remove() { fs::remove(p); }
         } remove{bad};
         data::read_idx(bad);
       }},
      {"FashionMnistFromAMissingDirectory",
       E::kNotFound,
       {"no_such_dir"},
       [](World& w) {
         data::load_fashion_mnist(w.dir.path() / "no_such_dir", data::Split::kTrain);
       }},
      {"CheckpointReaderOfAMissingFile",
       E::kNotFound,
       {"absent.safetensors"},
       [](World& w) {
         train::CheckpointReader reader((w.dir.path() / "absent.safetensors").string());
       }},
      {"SummaryWriterOverAFile",
       E::kInvalidArgument,
       {"good.safetensors"},
       [](World& w) { summary::FileWriter writer(w.checkpoint); }},
      // --- options -----------------------------------------------------------------------------
      {"SaverWithNothingToSave",
       E::kValue,
       {"No variables to save"},
       [](World&) {
         Graph empty;
         train::Saver saver({}, empty);
       }},
      {"FashionMnistLimitBelowOne",
       E::kInvalidArgument,
       {"limit", "0"},
       [](World& w) { data::load_fashion_mnist(w.dir.path(), data::Split::kTest, 0); }},
  };
}

class BadInputCatalogue : public ::testing::TestWithParam<BadInput> {};

TEST_P(BadInputCatalogue, RaisesItsTypedErrorNamingTheFaultAndChangesNothing) {
  const BadInput& c = GetParam();
  World world;
  DefaultGraph use{world.graph};
  Snapshot before = Snapshot::of(world);
  world.on_mark = [&] { before = Snapshot::of(world); };
  try {
    c.call(world);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), c.code) << e.what();
    for (const std::string& fragment : c.fragments) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos)
          << "the message does not name \"" << fragment << "\": " << e.what();
    }
  } catch (const std::exception& e) {
    FAIL() << "not a varscope::Error: " << e.what();
  }
  const Snapshot after = Snapshot::of(world);
  EXPECT_EQ(after.nodes, before.nodes) << "nodes were left behind";
  EXPECT_EQ(after.store, before.store) << "variable-store entries were left behind";
  EXPECT_EQ(after.global, before.global);
  EXPECT_EQ(after.trainable, before.trainable);
  EXPECT_EQ(after.w, before.w) << "model/w changed";
  EXPECT_EQ(after.b, before.b) << "model/b changed";
  EXPECT_EQ(after.files, before.files) << "files changed";
  // The world still works: a good run after the bad call.
  EXPECT_EQ(world.session->run(world.logits, {{world.x, world.batch(2)}}).shape(), (Shape{2, 4}));
}

INSTANTIATE_TEST_SUITE_P(Cases, BadInputCatalogue, ::testing::ValuesIn(catalogue()),
                         [](const ::testing::TestParamInfo<BadInput>& info) {
                           return info.param.name;
                         });

TEST(BadInputCatalogueSize, HasAtLeastFortyCases) { EXPECT_GE(catalogue().size(), 40U); }

// A failed builder removes the nodes it made (here the Const "reshape/shape" made before Reshape
// failed) and frees the names it used: the next "reshape" is "reshape" (TF would say "reshape_1"
// and keep the Const).
TEST(FailedGraphBuilding, RemovesTheNodesItMadeAndFreesItsNames) {
  Graph g;
  DefaultGraph use{g};
  const Output m = zeros({2, 3});
  const std::size_t nodes = g.num_nodes();
  EXPECT_THROW(reshape(m, Shape{4}, "reshape"), InvalidArgumentError);
  EXPECT_EQ(g.num_nodes(), nodes);
  EXPECT_EQ(g.find_node("reshape/shape"), nullptr);
  EXPECT_EQ(reshape(m, Shape{3, 2}, "reshape").node->name(), "reshape");
  EXPECT_EQ(g.find_node("reshape/shape")->op(), "Const");
  EXPECT_EQ(g.num_nodes(), nodes + 2);
}

// A custom getter that fails after the true getter made the variable: the variable, its nodes and
// its collection entries are gone again, and the name can be created afresh.
TEST(FailedGraphBuilding, ACustomGetterFailingAfterCreationLeavesNoVariable) {
  Graph g;
  DefaultGraph use{g};
  const std::size_t nodes = g.num_nodes();
  CustomGetter failing = [](const Getter& getter, const GetterArgs& args) -> GetVariableResult {
    getter(args);
    throw ValueError("custom getter refused " + args.name);
  };
  EXPECT_THROW(get_variable("v", {2}, {.custom_getter = failing}), ValueError);
  EXPECT_EQ(g.num_nodes(), nodes);
  EXPECT_EQ(g.variable_store().size(), 0U);
  EXPECT_TRUE(global_variables("", g).empty());
  EXPECT_TRUE(trainable_variables("", g).empty());
  EXPECT_EQ(get_variable("v", {2}).name(), "v:0");  // created afresh, under its own name
}

}  // namespace
}  // namespace varscope
