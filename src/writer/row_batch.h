// Rows for one shard held in fixed-size blocks (no allocation per row), and the sorted run
// they become: the rows in key order, each key once (the last one added wins).
// Row layout, in memory and in a run: [u32 key length][u32 value length][key][value].
//
// Memory is recycled rather than freed: blocks go back to a BlockPool and each worker
// reuses its SortScratch.  Freeing and re-allocating blocks of these sizes makes glibc's
// heap fragment, so peak RSS grew with the row count; with reuse it stays flat.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace shardyfusion {

// Thread-safe free list of kBlockBytes blocks, holding at most `max_blocks` spare ones.
class BlockPool {
 public:
  static constexpr size_t kBlockBytes = 256 << 10;
  explicit BlockPool(size_t max_blocks) : max_blocks_(max_blocks) {}
  std::string Take();              // empty, with capacity kBlockBytes
  void Give(std::string&& block);  // blocks of another capacity are simply freed

 private:
  std::mutex mu_;
  std::vector<std::string> spare_;
  size_t max_blocks_;
};

struct SortEntry {
  uint64_t prefix;
  const char* row;
  size_t order;  // insertion order: ties keep it, so the last duplicate sorts last
};

// A worker's buffers for SortedRun, reused batch after batch.
struct SortScratch {
  std::vector<SortEntry> entries;
  std::string run;
};

class RowBatch {
 public:
  explicit RowBatch(BlockPool* pool = nullptr) : pool_(pool) {}
  ~RowBatch() { Release(); }
  RowBatch(RowBatch&& other) noexcept;
  RowBatch& operator=(RowBatch&& other) noexcept;

  // Throws ShardWriteError when a key or value does not fit the 32-bit lengths.
  void Add(std::string_view key, std::string_view value);
  size_t rows() const { return rows_; }
  size_t bytes() const { return bytes_; }
  bool empty() const { return rows_ == 0; }
  // Leaves in scratch.run the rows sorted by key (SQLite's BLOB order), with duplicates
  // collapsed to the last added.
  void SortedRun(SortScratch& scratch) const;
  // Returns the blocks to the pool; the batch is empty afterwards.
  void Release();

 private:
  BlockPool* pool_;
  std::vector<std::string> blocks_;  // a row never spans two blocks
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
