// SQLite page-size rules for shard databases (format.md §4.3).
//
// Larger pages raise the inline-payload threshold so big values stay on their leaf page
// instead of spilling into overflow chains (each overflow page is one more ranged GET for
// a range reader).  The recommender picks the smallest supported size that keeps a cell
// inline.  The authoritative size of a file is always its header, never the config.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace shardyfusion::sqlite {

// Sizes a writer may choose, ascending (512..2048 are legal SQLite but never useful here).
inline constexpr std::array<uint32_t, 5> kSupportedPageSizes = {4096, 8192, 16384, 32768, 65536};
inline constexpr uint32_t kDefaultPageSize = 4096;

bool IsSupportedPageSize(int64_t page_size);

// Largest inline payload (key + value) of a WITHOUT ROWID leaf cell on a page of
// `page_size` bytes with no reserved bytes: ((U - 12) * 64 / 255) - 23, as SQLite's C
// integer math computes it.  Throws ConfigValidationError for an unsupported size.
int64_t InlinePayloadThreshold(uint32_t page_size);

// One b-tree cell shape to size for.
struct CellShape {
  int64_t value_bytes = 0;
  int64_t key_bytes = 0;
};

// Smallest supported size whose threshold >= value + key + 12 (cell header slack), else
// 65536.  Throws ConfigValidationError for negative sizes.
uint32_t RecommendPageSize(const CellShape& cell);
// The max over several shapes (e.g. kv plus a vector table).  Throws for an empty list.
uint32_t RecommendPageSize(std::span<const CellShape> cells);

// Nearest-rank percentile position used by "auto": 0-based index ceil(p * n) - 1 into the
// ascending order (0 for n == 0).  p = 0.95 for the p95 rule.
int64_t NearestRankIndex(int64_t n, double p = 0.95);

// Page size stored in a database header: bytes 16-17 big-endian, 1 meaning 65536.
// Empty when `header` is shorter than 18 bytes or the value is not a power of two in
// [512, 65536].
std::optional<uint32_t> PageSizeFromHeader(std::string_view header);

}  // namespace shardyfusion::sqlite
