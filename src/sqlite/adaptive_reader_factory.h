// Adaptive SQLite reader (format.md §4.4 "Adaptive", features ): per snapshot,
// range reads when shards are big (any listed shard's db_bytes >= per_shard_threshold, or
// all of them together >= total_budget), otherwise download-and-cache.  No shards means
// download.  The decision is made once per snapshot and cached by manifest run_id.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "reader/shard_reader.h"
#include "sqlite/sqlite_download_reader.h"
#include "sqlite/sqlite_range_reader.h"

namespace shardyfusion {

enum class SqliteAccessMode { kDownload, kRange };

const char* SqliteAccessModeName(SqliteAccessMode mode);  // "download" / "range"

// The reference's decide_access_mode over the manifest's listed shards.
SqliteAccessMode DecideSqliteAccessMode(const ParsedManifest& manifest,
                                        uint64_t per_shard_threshold, uint64_t total_budget);

struct AdaptiveSqliteReaderOptions {
  // Shared by both modes; overrides the resolver of `download` and `range` when set.
  std::shared_ptr<StoreResolver> resolver;
  uint64_t per_shard_threshold = uint64_t{16} << 20;
  uint64_t total_budget = uint64_t{2} << 30;
  SqliteDownloadReaderOptions download;
  SqliteRangeReaderOptions range;
};

// Thread-safe.  Open errors are those of the chosen mode's factory.
class AdaptiveSqliteReaderFactory : public ShardReaderFactory {
 public:
  explicit AdaptiveSqliteReaderFactory(AdaptiveSqliteReaderOptions options = {});

  std::unique_ptr<ShardReader> Open(const std::string& db_url, const std::string& local_dir,
                                    const std::optional<std::string>& checkpoint_id,
                                    const ParsedManifest& manifest) override;

  // The mode for `manifest`'s snapshot (decided now, or the cached decision).
  SqliteAccessMode Decide(const ParsedManifest& manifest);
  // The cached decision for a run id, if one was made.
  std::optional<SqliteAccessMode> CachedDecision(const std::string& run_id) const;

 private:
  AdaptiveSqliteReaderOptions options_;
  SqliteDownloadReaderFactory download_;
  SqliteRangeReaderFactory range_;
  mutable std::mutex mu_;
  std::map<std::string, SqliteAccessMode> decisions_;  // run_id -> mode
};

}  // namespace shardyfusion
