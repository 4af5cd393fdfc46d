// SQLite shard reader, range mode (format.md §4.4 "Range", features A-15): SQLite reads
// `<db_url>/shard.db` in place through a read-only VFS over ranged GETs, with a page LRU
// and, when present and bound to the live object, the page-cache sidecar (§4.6).
//
// S3 budget: open = HEAD + sidecar GET (+ the header and page 1 without a usable sidecar).
// Lookups first replay SQLite's b-tree search to prefetch what it will read, so with the
// sidecar a cold Get costs at most two GetRanges calls (one when values fit inline);
// SqliteRangeReader::stats() counts them.
#pragma once

#include <cstddef>
#include <memory>

#include "reader/shard_reader.h"
#include "shardyfusion/store_resolver.h"
#include "sqlite/range_shard_file.h"
#include "sqlite/range_vfs.h"
#include "sqlite/sqlite_reader_kv.h"

namespace shardyfusion {

struct SqliteRangeReaderOptions {
  std::shared_ptr<StoreResolver> resolver;  // null: DefaultStoreResolver()
  size_t page_cache_pages = 1024;           // per reader; 0 disables the LRU
  bool use_sidecar = true;
};

using sqlite::RangeReaderStats;

// What SqliteRangeReaderFactory::Open returns (callers may downcast for stats()).
class SqliteRangeReader : public sqlite::SqliteKvReader {
 public:
  SqliteRangeReader(std::shared_ptr<sqlite::RangeShardFile> file, const std::string& db_url);
  RangeReaderStats stats() const { return file_->stats(); }

  // Both prefetch what SQLite's search will read before running it (RangeShardFile::
  // Prefetch); MultiGet does so for batches of keys at once.
  std::optional<std::string> Get(std::string_view key) override;
  std::vector<std::optional<std::string>> MultiGet(std::span<const std::string> keys) override;

 private:
  SqliteRangeReader(std::shared_ptr<sqlite::RangeShardFile> file, const std::string& db_url,
                    std::shared_ptr<sqlite::RangeVfsRegistration> registration);
  std::shared_ptr<sqlite::RangeShardFile> file_;
  uint32_t kv_root_ = 0;  // 0: unknown, no prefetching
  size_t batch_keys_ = 1;
};

// Thread-safe.  Open throws DbAdapterError when the object is missing, SqliteAdapterError
// when it is not a shard database, store errors (also from lookups) unchanged.
class SqliteRangeReaderFactory : public ShardReaderFactory {
 public:
  explicit SqliteRangeReaderFactory(SqliteRangeReaderOptions options = {});

  std::unique_ptr<ShardReader> Open(const std::string& db_url, const std::string& local_dir,
                                    const std::optional<std::string>& checkpoint_id,
                                    const ParsedManifest& manifest) override;

  const SqliteRangeReaderOptions& options() const { return options_; }

 private:
  SqliteRangeReaderOptions options_;
};

}  // namespace shardyfusion
