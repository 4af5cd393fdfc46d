// Test helper: does a sidecar-reconstructed page equal the file's page in every byte SQLite
// reads?  The unallocated gap between the cell pointer array and the cell content area
// may hold stale bytes in the file (left by b-tree balancing); the sidecar drops it and the
// reconstruction zero-fills it, so there it must be all zeros instead.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace shardyfusion::sqlite_test {

inline ::testing::AssertionResult SamePage(const std::string& rebuilt, const std::string& real,
                                           uint32_t pageno) {
  if (rebuilt.size() != real.size())
    return ::testing::AssertionFailure() << "page " << pageno << ": size " << rebuilt.size();
  size_t base = pageno == 1 ? 100 : 0;
  auto u16 = [&](size_t at) {
    return size_t{static_cast<unsigned char>(real[at])} << 8 |
           static_cast<unsigned char>(real[at + 1]);
  };
  int type = static_cast<unsigned char>(real[base]);
  size_t gap_begin = real.size(), gap_end = real.size();
  if (type == 2 || type == 5 || type == 10 || type == 13) {
    gap_begin = base + (type == 2 || type == 5 ? 12 : 8) + 2 * u16(base + 3);
    gap_end = u16(base + 5) == 0 ? 65536 : u16(base + 5);
  }
  for (size_t i = 0; i < real.size(); ++i) {
    bool in_gap = i >= gap_begin && i < gap_end;
    if (in_gap ? rebuilt[i] != 0 : rebuilt[i] != real[i])
      return ::testing::AssertionFailure()
             << "page " << pageno << " differs at byte " << i << (in_gap ? " (gap)" : "");
  }
  return ::testing::AssertionSuccess();
}

}  // namespace shardyfusion::sqlite_test
