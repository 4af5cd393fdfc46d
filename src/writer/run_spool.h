// One shard's rows on local disk as sorted runs (RowBatch::SortedRun), appended as the
// input streams in, and merged back in key order when the shard is built.  The merge is
// what every attempt (the first and each retry) reads, so a retry needs no other copy of
// the input.  Not thread-safe: owned by the one worker running the shard.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "writer/shard_writer.h"

namespace shardyfusion {

class RunSpool {
 public:
  explicit RunSpool(std::string path);  // creates (truncates) the file
  ~RunSpool();                          // closes and removes the file
  RunSpool(const RunSpool&) = delete;
  RunSpool& operator=(const RunSpool&) = delete;

  void AppendRun(std::string_view run);
  // Feeds every distinct key once, ascending, in chunks of at most `chunk_rows`; for a key
  // present in several runs the row from the latest run wins.
  void Merge(size_t chunk_rows, const std::function<void(std::span<const KvPair>)>& fn) const;
  size_t runs() const { return runs_.size(); }

 private:
  struct Run {
    uint64_t begin, end;
  };
  class Cursor;

  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
  std::vector<Run> runs_;
};

}  // namespace shardyfusion
