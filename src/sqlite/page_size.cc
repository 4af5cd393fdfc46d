#include "sqlite/page_size.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "shardyfusion/errors.h"

namespace shardyfusion::sqlite {
namespace {

// Varint payload length + key length slack inside a leaf cell.
constexpr int64_t kCellOverheadBytes = 12;

}  // namespace

bool IsSupportedPageSize(int64_t page_size) {
  return std::find(kSupportedPageSizes.begin(), kSupportedPageSizes.end(), page_size) !=
         kSupportedPageSizes.end();
}

int64_t InlinePayloadThreshold(uint32_t page_size) {
  if (!IsSupportedPageSize(page_size))
    throw ConfigValidationError("unsupported page_size " + std::to_string(page_size) +
                                "; expected 4096, 8192, 16384, 32768 or 65536");
  return ((static_cast<int64_t>(page_size) - 12) * 64 / 255) - 23;
}

uint32_t RecommendPageSize(const CellShape& cell) {
  if (cell.value_bytes < 0)
    throw ConfigValidationError("value_bytes must be >= 0, got " +
                                std::to_string(cell.value_bytes));
  if (cell.key_bytes < 0)
    throw ConfigValidationError("key_bytes must be >= 0, got " + std::to_string(cell.key_bytes));
  int64_t required = cell.value_bytes + cell.key_bytes + kCellOverheadBytes;
  for (uint32_t size : kSupportedPageSizes)
    if (InlinePayloadThreshold(size) >= required) return size;
  return kSupportedPageSizes.back();
}

uint32_t RecommendPageSize(std::span<const CellShape> cells) {
  if (cells.empty())
    throw ConfigValidationError("page size recommendation needs at least one cell shape");
  uint32_t best = 0;
  for (const auto& cell : cells) best = std::max(best, RecommendPageSize(cell));
  return best;
}

int64_t NearestRankIndex(int64_t n, double p) {
  if (n <= 0) return 0;
  // Same IEEE double math as the reference's math.ceil(n * p), so both pick the same row.
  double rank = std::ceil(static_cast<double>(n) * p);
  return std::clamp<int64_t>(static_cast<int64_t>(rank) - 1, 0, n - 1);
}

std::optional<uint32_t> PageSizeFromHeader(std::string_view header) {
  if (header.size() < 18) return std::nullopt;
  uint32_t raw = (static_cast<uint32_t>(static_cast<unsigned char>(header[16])) << 8) |
                 static_cast<unsigned char>(header[17]);
  if (raw == 1) return 65536;
  if (raw < 512 || (raw & (raw - 1)) != 0) return std::nullopt;
  return raw;
}

}  // namespace shardyfusion::sqlite
