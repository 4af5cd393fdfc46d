// The sharded writer: routes records to shards, writes each shard attempt on a thread
// pool, retries failed shards into fresh attempt=NN paths, selects winners, publishes the
// manifest then `_CURRENT`, and cleans up losers.
//
// Failure: on any error the previous snapshot stays current; the error propagates
// (ShardWriteError, ConfigValidationError, PublishManifestError ...) and the run record is
// marked FAILED.  Peak memory is bounded by WriteOptions::max_buffered_bytes, not by the
// number of rows.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "shardyfusion/key.h"
#include "shardyfusion/manifest.h"
#include "shardyfusion/writer_config.h"

namespace shardyfusion {

struct Record {
  Key key;
  std::string value;
};

// Pull source: fills `out` and returns true, or returns false at the end of the input.
using RecordSource = std::function<bool(Record& out)>;

struct BuildDurations {
  int64_t sharding_ms = 0;
  int64_t write_ms = 0;
  int64_t manifest_ms = 0;
  int64_t total_ms = 0;
};

struct BuildStats {
  BuildDurations durations;
  int64_t num_attempt_results = 0;
  int64_t num_winners = 0;
  int64_t rows_written = 0;
};

struct BuildResult {
  std::string run_id;
  std::vector<RequiredShardMeta> winners;
  std::string manifest_ref;
  BuildStats stats;
  std::optional<std::string> run_record_ref;
};

BuildResult WriteHashSharded(const RecordSource& source, const HashShardedWriteConfig& config,
                             const WriteOptions& options = {});

// Any range of Records (or of values the extractors understand).
template <typename Range, typename KeyFn, typename ValueFn>
BuildResult WriteHashSharded(const Range& records, const HashShardedWriteConfig& config,
                             KeyFn key_fn, ValueFn value_fn, WriteOptions options = {}) {
  if (!options.total_rows) options.total_rows = static_cast<uint64_t>(std::size(records));
  auto it = std::begin(records);
  auto end = std::end(records);
  return WriteHashSharded(
      [&](Record& out) {
        if (it == end) return false;
        out.key = key_fn(*it);
        out.value = value_fn(*it);
        ++it;
        return true;
      },
      config, options);
}

// One shard holding every row (num_dbs = 1), e.g. for small lookup tables.
BuildResult WriteSingleDb(const RecordSource& source, HashShardedWriteConfig config,
                          const WriteOptions& options = {});

// ---- Pieces shared with engine integrations ("write shards anywhere, publish once") ----

// One finished shard attempt as reported by whoever wrote it.
struct ShardAttemptResult {
  RequiredShardMeta meta;                   // meta.db_url empty: the shard had no rows
  std::vector<std::string> all_attempt_urls;  // including failed earlier attempts
};

struct WinnerSelection {
  std::vector<RequiredShardMeta> winners;  // ascending db_id, empty shards left out
  std::vector<std::string> loser_urls;     // every reported URL that is not a winner
};

// Per db_id the smallest (attempt, task_attempt_id or INT64_MAX, db_url) wins.
// Throws ShardCoverageError for db ids >= num_dbs.
WinnerSelection SelectWinners(const std::vector<ShardAttemptResult>& results, uint32_t num_dbs);

// The shard attempt URL: join(root, shard_prefix, run_id=<id>, template(db_id), attempt=NN).
std::string ShardAttemptUrl(const std::string& root, const std::string& shard_prefix,
                            const std::string& run_id, const std::string& db_path_template,
                            uint32_t db_id, int attempt);

}  // namespace shardyfusion
