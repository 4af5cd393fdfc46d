// SQLite shard reader, download mode (format.md §4.4 "Download", features A-14): GETs
// `<db_url>/shard.db` once into the shard's local cache directory (see shard_cache.h),
// then serves lookups from a read-only, immutable, memory-mapped connection that holds one
// read transaction for its life.
#pragma once

#include <cstdint>
#include <memory>

#include "reader/shard_reader.h"
#include "shardyfusion/store_resolver.h"

namespace shardyfusion {

struct SqliteDownloadReaderOptions {
  std::shared_ptr<StoreResolver> resolver;  // null: DefaultStoreResolver()
  int64_t mmap_size = int64_t{256} << 20;   // PRAGMA mmap_size
  int64_t cache_size_kib = 8000;            // PRAGMA cache_size = -cache_size_kib
  // Keep each shard's previous version in the cache (shard.prev.db): a refresh back to it
  // swaps files instead of downloading.  Up to twice the disk.
  bool keep_previous_version = true;
};

// Thread-safe: Open may run concurrently, also from several processes on one cache dir.
// Open throws DbAdapterError for a missing object, SqliteAdapterError for a file that is
// not a shard database (the cache keeps no such file), store errors unchanged.
class SqliteDownloadReaderFactory : public ShardReaderFactory {
 public:
  // Throws ConfigValidationError for negative sizes.
  explicit SqliteDownloadReaderFactory(SqliteDownloadReaderOptions options = {});

  std::unique_ptr<ShardReader> Open(const std::string& db_url, const std::string& local_dir,
                                    const std::optional<std::string>& checkpoint_id,
                                    const ParsedManifest& manifest) override;

  const SqliteDownloadReaderOptions& options() const { return options_; }

 private:
  SqliteDownloadReaderOptions options_;
};

}  // namespace shardyfusion
