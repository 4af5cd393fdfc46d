// The backend seam of the readers: one ShardReader serves lookups from one shard.
//
// Thread-safety: a ShardReader is used by one thread at a time (the concurrent reader
// serialises access per handle or keeps a pool of them); Close is idempotent.  Lookups
// take storage key bytes (already key-encoded) and return the value, or nullopt when the
// key is absent: an empty value is a hit, not a miss.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shardyfusion/manifest.h"

namespace shardyfusion {

class ShardReader {
 public:
  virtual ~ShardReader() = default;
  virtual std::optional<std::string> Get(std::string_view key) = 0;
  // One result per key, in order.  The default loops over Get.
  virtual std::vector<std::optional<std::string>> MultiGet(std::span<const std::string> keys);
  // Up to `limit` (key, value) rows of [start, end) in key order; nullopt bounds are open.
  // Only SlateDB shards scan (features R-41); the default throws DbAdapterError.
  virtual std::vector<std::pair<std::string, std::string>> ScanChunk(const std::optional<std::string>& start,
                                                                     const std::optional<std::string>& end,
                                                                     size_t limit);
  virtual void Close() = 0;
};

class ShardReaderFactory {
 public:
  virtual ~ShardReaderFactory() = default;
  // Opens the shard at `db_url` (the attempt URL from the manifest).  `local_dir` is this
  // shard's cache directory (<local_root>/shard=<db_id:05d>), `checkpoint_id` part of the
  // cache identity.  `manifest` lets snapshot-aware factories (adaptive) decide once per
  // snapshot.  Throws DbAdapterError (or a subclass) / ObjectStore errors.
  virtual std::unique_ptr<ShardReader> Open(const std::string& db_url, const std::string& local_dir,
                                            const std::optional<std::string>& checkpoint_id,
                                            const ParsedManifest& manifest) = 0;
};

}  // namespace shardyfusion
