// SlateDB shard backend, reader side (format.md §5): a read-only SlateDB reader rooted at
// the shard's attempt URL.  It never writes to the store.  checkpoint_id is ignored (§5.1);
// local_dir is used only for the optional disk cache.
//
// All readers of one factory share one block cache; all readers in the process share one
// runtime and one object-store client per store (the bridge's, see rust/).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "reader/shard_reader.h"
#include "shardyfusion/shard_backend.h"
#include "shardyfusion/store_resolver.h"

struct sfs_reader;
struct sfs_cache;

namespace shardyfusion {

// One thread at a time (ShardReader contract).  Errors: DbAdapterError naming the shard,
// retryable when the store was unavailable.
class SlateDbShardReader : public ShardReader {
 public:
  SlateDbShardReader(sfs_reader* handle, std::string db_url);  // takes ownership
  ~SlateDbShardReader() override;

  std::optional<std::string> Get(std::string_view key) override;
  std::vector<std::optional<std::string>> MultiGet(std::span<const std::string> keys) override;
  // One call into the bridge (features R-41 scan_iter).
  std::vector<std::pair<std::string, std::string>> ScanChunk(const std::optional<std::string>& start,
                                                             const std::optional<std::string>& end,
                                                             size_t limit) override;
  // Every row of [start, end) in key order (nullopt: unbounded), `chunk` rows per call.
  std::vector<std::pair<std::string, std::string>> Scan(const std::optional<std::string>& start,
                                                        const std::optional<std::string>& end,
                                                        size_t chunk = 1024);
  void Close() override;

 private:
  sfs_reader* handle_;
  std::string db_url_;
};

// Thread-safe.
class SlateDbShardReaderFactory : public ShardReaderFactory {
 public:
  SlateDbShardReaderFactory(SlateDbReadOptions options, std::shared_ptr<StoreResolver> resolver);
  ~SlateDbShardReaderFactory() override;

  std::unique_ptr<ShardReader> Open(const std::string& db_url, const std::string& local_dir,
                                    const std::optional<std::string>& checkpoint_id,
                                    const ParsedManifest& manifest) override;
  std::unique_ptr<SlateDbShardReader> OpenShard(const std::string& db_url,
                                                const std::string& local_dir = "");

 private:
  SlateDbReadOptions options_;
  std::shared_ptr<StoreResolver> resolver_;
  sfs_cache* cache_ = nullptr;  // null when block_cache_bytes is 0
};

}  // namespace shardyfusion
