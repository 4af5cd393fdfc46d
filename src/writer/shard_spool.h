// Append-only local copy of every row sent to one shard, so a failed attempt can be
// replayed whole into a fresh attempt=NN (the data was streamed and is gone otherwise).
// Used only when shard retries are enabled.  Not thread-safe: owned by one shard task.
#pragma once

#include <cstdio>
#include <functional>
#include <span>
#include <string>

#include "writer/shard_writer.h"

namespace shardyfusion {

class ShardSpool {
 public:
  explicit ShardSpool(std::string path);  // creates (truncates) the file
  ~ShardSpool();                          // closes and removes the file
  ShardSpool(const ShardSpool&) = delete;
  ShardSpool& operator=(const ShardSpool&) = delete;

  void Append(std::span<const KvPair> rows);
  // Feeds every spooled row back, in order, in chunks of at most `batch_size` rows.
  void Replay(size_t batch_size, const std::function<void(std::span<const KvPair>)>& fn);

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
};

}  // namespace shardyfusion
