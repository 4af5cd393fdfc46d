// Rows for one shard held in fixed-size blocks (no allocation per row, no doubling
// reallocations that fragment the heap), and the sorted run they become: the rows in key
// order, each key once (the last one added wins).
// Row layout, in memory and in a run: [u32 key length][u32 value length][key][value].
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shardyfusion {

class RowBatch {
 public:
  // Throws ShardWriteError when a key or value does not fit the 32-bit lengths.
  void Add(std::string_view key, std::string_view value);
  size_t rows() const { return rows_; }
  size_t bytes() const { return bytes_; }
  bool empty() const { return rows_ == 0; }
  // Writes into `out` (replacing it) the rows sorted by key (SQLite's BLOB order), with
  // duplicates collapsed to the last added.
  void SortedRun(std::string& out) const;

 private:
  std::vector<std::string> blocks_;  // each reserved once; a row never spans two
  size_t bytes_ = 0;
  size_t rows_ = 0;
};

// The first 8 key bytes as a big-endian number (zero-padded): comparing these first
// settles most key comparisons without a memcmp.
inline uint64_t KeyPrefix(std::string_view key) {
  unsigned char b[8] = {};
  __builtin_memcpy(b, key.data(), key.size() < 8 ? key.size() : 8);
  uint64_t v = 0;
  for (unsigned char c : b) v = (v << 8) | c;
  return v;
}

// Reads one row at `p` (layout above); returns the byte count it occupies.
inline size_t RowAt(const char* p, std::string_view* key, std::string_view* value) {
  uint32_t klen, vlen;
  __builtin_memcpy(&klen, p, 4);
  __builtin_memcpy(&vlen, p + 4, 4);
  *key = {p + 8, klen};
  *value = {p + 8 + klen, vlen};
  return 8 + static_cast<size_t>(klen) + vlen;
}

}  // namespace shardyfusion
