#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "shardyfusion/errors.h"
#include "sqlite/page_size.h"

namespace shardyfusion::sqlite {
namespace {

TEST(SqlitePageSize, InlineThresholdsMatchSqliteFormula) {
  EXPECT_EQ(InlinePayloadThreshold(4096), 1002);
  EXPECT_EQ(InlinePayloadThreshold(8192), 2030);
  EXPECT_EQ(InlinePayloadThreshold(16384), 4086);
  EXPECT_EQ(InlinePayloadThreshold(32768), 8198);
  EXPECT_EQ(InlinePayloadThreshold(65536), 16422);
  EXPECT_THROW(InlinePayloadThreshold(2048), ConfigValidationError);
  EXPECT_THROW(InlinePayloadThreshold(5000), ConfigValidationError);
}

TEST(SqlitePageSize, SupportedSizes) {
  for (uint32_t s : {4096u, 8192u, 16384u, 32768u, 65536u}) EXPECT_TRUE(IsSupportedPageSize(s));
  for (int64_t s : {0, 512, 1024, 2048, 4095, 131072, -4096}) EXPECT_FALSE(IsSupportedPageSize(s));
}

TEST(SqlitePageSize, RecommendsSmallestSizeThatKeepsTheCellInline) {
  EXPECT_EQ(RecommendPageSize(CellShape{0, 0}), 4096u);
  // Boundary: value + key + 12 == threshold stays on the smaller size.
  EXPECT_EQ(RecommendPageSize(CellShape{1002 - 12 - 8, 8}), 4096u);
  EXPECT_EQ(RecommendPageSize(CellShape{1002 - 12 - 8 + 1, 8}), 8192u);
  EXPECT_EQ(RecommendPageSize(CellShape{1200, 8}), 8192u);
  EXPECT_EQ(RecommendPageSize(CellShape{2030 - 12 - 8, 8}), 8192u);
  EXPECT_EQ(RecommendPageSize(CellShape{4000, 8}), 16384u);
  EXPECT_EQ(RecommendPageSize(CellShape{5000, 8}), 32768u);
  EXPECT_EQ(RecommendPageSize(CellShape{5000, 64}), 32768u);
  EXPECT_EQ(RecommendPageSize(CellShape{16422 - 12 - 8, 8}), 65536u);
  EXPECT_EQ(RecommendPageSize(CellShape{1 << 20, 8}), 65536u);  // nothing fits: largest
  EXPECT_THROW(RecommendPageSize(CellShape{-1, 0}), ConfigValidationError);
  EXPECT_THROW(RecommendPageSize(CellShape{0, -1}), ConfigValidationError);
}

TEST(SqlitePageSize, SeveralCellsTakeTheMax) {
  std::vector<CellShape> cells = {{100, 8}, {5000, 9}, {1500, 8}};
  EXPECT_EQ(RecommendPageSize(cells), 32768u);
  EXPECT_THROW(RecommendPageSize(std::vector<CellShape>{}), ConfigValidationError);
}

TEST(SqlitePageSize, NearestRankP95) {
  EXPECT_EQ(NearestRankIndex(0), 0);
  EXPECT_EQ(NearestRankIndex(1), 0);
  EXPECT_EQ(NearestRankIndex(20), 18);  // ceil(19) - 1
  EXPECT_EQ(NearestRankIndex(21), 19);  // ceil(19.95) - 1, not the truncated 18
  EXPECT_EQ(NearestRankIndex(100), 94);
  EXPECT_EQ(NearestRankIndex(101), 95);   // ceil(95.95) - 1
  EXPECT_EQ(NearestRankIndex(256), 243);  // ceil(243.2) - 1
  for (int64_t n = 1; n < 5000; ++n) {
    int64_t exact = (n * 95 + 99) / 100 - 1;  // integer ceil(0.95 n) - 1
    ASSERT_EQ(NearestRankIndex(n), exact) << n;
  }
}

std::string HeaderWithPageSize(uint8_t hi, uint8_t lo) {
  std::string h(100, '\0');
  h[16] = static_cast<char>(hi);
  h[17] = static_cast<char>(lo);
  return h;
}

TEST(SqlitePageSize, ParsesTheHeaderField) {
  EXPECT_EQ(PageSizeFromHeader(HeaderWithPageSize(0x10, 0x00)), 4096u);
  EXPECT_EQ(PageSizeFromHeader(HeaderWithPageSize(0x02, 0x00)), 512u);
  EXPECT_EQ(PageSizeFromHeader(HeaderWithPageSize(0x80, 0x00)), 32768u);
  EXPECT_EQ(PageSizeFromHeader(HeaderWithPageSize(0x00, 0x01)), 65536u);  // 1 means 65536
  EXPECT_EQ(PageSizeFromHeader(HeaderWithPageSize(0x00, 0x00)), std::nullopt);
  EXPECT_EQ(PageSizeFromHeader(HeaderWithPageSize(0x01, 0x00)), std::nullopt);  // 256
  EXPECT_EQ(PageSizeFromHeader(HeaderWithPageSize(0x10, 0x01)), std::nullopt);  // not 2^k
  EXPECT_EQ(PageSizeFromHeader(std::string(17, '\0')), std::nullopt);           // too short
  EXPECT_EQ(PageSizeFromHeader(HeaderWithPageSize(0x10, 0x00).substr(0, 18)), 4096u);
}

}  // namespace
}  // namespace shardyfusion::sqlite
