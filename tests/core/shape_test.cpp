#include "varscope/shape.h"

#include <gtest/gtest.h>

#include <sstream>

#include "expect_error.h"
#include "varscope/error.h"

namespace varscope {
namespace {

TEST(ShapeTest, PrintsAsTensorFlow1) {
  EXPECT_EQ(Shape({2, 3}).to_string(), "(2, 3)");
  EXPECT_EQ(Shape({-1, 3}).to_string(), "(?, 3)");
  EXPECT_EQ(Shape({2}).to_string(), "(2,)");
  EXPECT_EQ(Shape({-1}).to_string(), "(?,)");
  EXPECT_EQ(Shape().to_string(), "()");
  EXPECT_EQ(Shape({}).to_string(), "()");
  EXPECT_EQ(Shape::unknown().to_string(), "<unknown>");
  EXPECT_EQ(Shape({5, 5, 1, 32}).to_string(), "(5, 5, 1, 32)");
  EXPECT_EQ(Shape({0, 4}).to_string(), "(0, 4)");
  std::ostringstream os;
  os << Shape({-1, 28, 28, 1});
  EXPECT_EQ(os.str(), "(?, 28, 28, 1)");
}

TEST(ShapeTest, ListForms) {
  EXPECT_EQ(Shape({2, 1, 1}).to_list_string(), "[2, 1, 1]");
  EXPECT_EQ(Shape().to_list_string(), "[]");
  EXPECT_EQ(Shape({-1, 3}).to_list_string(), "[None, 3]");
  EXPECT_EQ(list_to_string({2, 1, 1}), "[2, 1, 1]");
  EXPECT_EQ(list_to_string({}), "[]");
  EXPECT_EQ(list_to_string({-4}), "[-4]");
}

TEST(ShapeTest, RankAndDims) {
  const Shape s{2, -1, 7};
  EXPECT_TRUE(s.has_known_rank());
  EXPECT_EQ(s.rank(), 3);
  EXPECT_EQ(s.dim(0), 2);
  EXPECT_EQ(s.dim(1), Shape::kUnknownDim);
  EXPECT_EQ(s.dim(-1), 7);
  EXPECT_EQ(s[-3], 2);
  EXPECT_EQ(Shape().rank(), 0);
  const Shape u = Shape::unknown();
  EXPECT_FALSE(u.has_known_rank());
  EXPECT_EQ(u.rank(), -1);
  EXPECT_EQ(u.dim(4), Shape::kUnknownDim);
  EXPECT_TRUE(u.dims().empty());
}

TEST(ShapeTest, DimOutOfRangeNamesTheShape) {
  VS_EXPECT_ERROR(Shape({2, 3}).dim(2), ValueError,
                  "Dimension index 2 is out of range for shape (2, 3)");
  EXPECT_THROW(Shape({2, 3}).dim(-3), ValueError);
  EXPECT_THROW(Shape().dim(0), ValueError);
}

TEST(ShapeTest, FullyDefinedAndNumElements) {
  EXPECT_TRUE(Shape({2, 3}).is_fully_defined());
  EXPECT_TRUE(Shape().is_fully_defined());
  EXPECT_FALSE(Shape({-1, 3}).is_fully_defined());
  EXPECT_FALSE(Shape::unknown().is_fully_defined());
  EXPECT_EQ(Shape({2, 3}).num_elements(), 6);
  EXPECT_EQ(Shape().num_elements(), 1);
  EXPECT_EQ(Shape({4, 0}).num_elements(), 0);
  EXPECT_EQ(Shape({-1, 3}).num_elements(), -1);
  EXPECT_EQ(Shape::unknown().num_elements(), -1);
}

TEST(ShapeTest, Compatibility) {
  EXPECT_TRUE(Shape({2, 3}).is_compatible_with(Shape({2, 3})));
  EXPECT_TRUE(Shape({-1, 3}).is_compatible_with(Shape({2, 3})));
  EXPECT_TRUE(Shape({2, 3}).is_compatible_with(Shape({2, -1})));
  EXPECT_TRUE(Shape::unknown().is_compatible_with(Shape({4})));
  EXPECT_TRUE(Shape({4}).is_compatible_with(Shape::unknown()));
  EXPECT_TRUE(Shape().is_compatible_with(Shape::unknown()));
  EXPECT_TRUE(Shape().is_compatible_with(Shape()));
  EXPECT_FALSE(Shape({2, 3}).is_compatible_with(Shape({3, 2})));
  EXPECT_FALSE(Shape({2, 3}).is_compatible_with(Shape({2, 3, 1})));
  EXPECT_FALSE(Shape().is_compatible_with(Shape({1})));
  EXPECT_FALSE(Shape({-1, 3}).is_compatible_with(Shape({2})));
}

TEST(ShapeTest, MergeTakesTheMostSpecific) {
  EXPECT_EQ(Shape({-1, 3}).merge_with(Shape({2, -1})), Shape({2, 3}));
  EXPECT_EQ(Shape::unknown().merge_with(Shape({-1, 4})), Shape({-1, 4}));
  EXPECT_EQ(Shape({5}).merge_with(Shape::unknown()), Shape({5}));
  EXPECT_EQ(Shape::unknown().merge_with(Shape::unknown()), Shape::unknown());
  EXPECT_EQ(Shape().merge_with(Shape()), Shape());
}

TEST(ShapeTest, MergeOfIncompatibleShapesIsAValueError) {
  VS_EXPECT_ERROR(Shape({2, 3}).merge_with(Shape({4})), ValueError,
                  "Shapes (2, 3) and (4,) are not compatible");
  VS_EXPECT_ERROR(Shape({-1, 3}).merge_with(Shape({2, 5})), ValueError,
                  "Shapes (?, 3) and (2, 5) are not compatible");
}

TEST(ShapeTest, EqualityDistinguishesUnknownRankFromScalar) {
  EXPECT_EQ(Shape({2, 3}), Shape(std::vector<std::int64_t>{2, 3}));
  EXPECT_NE(Shape(), Shape::unknown());
  EXPECT_NE(Shape({2}), Shape({2, 1}));
  EXPECT_EQ(Shape::unknown(), Shape::unknown());
}

}  // namespace
}  // namespace varscope
