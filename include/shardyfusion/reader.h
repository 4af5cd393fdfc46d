// Readers: point lookups over a published snapshot, with atomic refresh.
//
// ConcurrentShardedReader is thread-safe.  It holds an immutable snapshot state (manifest,
// router, one open reader per shard): refresh() builds a complete new state and swaps it
// in; the old one closes once every in-flight call has finished and every borrowed handle
// has let go, so a caller never sees half of two snapshots.  A failed refresh keeps
// serving the old snapshot.  Lookups take no reader-wide lock (Refresh and Close wait for
// lookups already running on the old state instead).  ShardedReader is the same engine
// with no fan-out pool.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "shardyfusion/key.h"
#include "shardyfusion/manifest.h"
#include "shardyfusion/router.h"
#include "shardyfusion/shard_backend.h"

namespace shardyfusion {

class ManifestStore;
class MetricsCollector;
class ShardReaderFactory;
class StoreResolver;
class TokenBucket;

enum class SqliteReadMode { kAuto, kDownload, kRange };
enum class ThreadSafety { kLock, kPool };

struct ReaderOptions {
  std::string s3_prefix;  // snapshot root (s3://bucket/prefix, file:///dir or a path)
  std::string local_root;  // shard cache; empty: <tmp>/shardyfusion-reader-<pid>
  std::shared_ptr<StoreResolver> resolver;      // null: DefaultStoreResolver()
  std::shared_ptr<ManifestStore> manifest_store;  // null: the object store at s3_prefix
  std::string current_pointer_key = "_CURRENT";
  std::shared_ptr<ShardReaderFactory> reader_factory;  // null: by backend (and sqlite_mode)
  ShardBackend backend = ShardBackend::kSqlite;  // the manifest does not say; the caller does
  SlateDbReadOptions slatedb;
  SqliteReadMode sqlite_mode = SqliteReadMode::kAuto;
  uint64_t sqlite_auto_per_shard_bytes = 16ull << 20;
  uint64_t sqlite_auto_total_bytes = 2ull << 30;
  // Download cache: keep each shard's previous version too, so refreshing back to it (a
  // rollback) swaps files instead of downloading again.  Up to twice the disk.
  bool sqlite_keep_previous_version = true;
  int max_workers = 4;  // multi_get fan-out threads (1: sequential)
  int max_fallback_attempts = 3;  // cold start: older manifests tried when the newest is bad
  ThreadSafety thread_safety = ThreadSafety::kLock;
  int pool_size = 0;  // readers per shard in pool mode (0: max_workers)
  std::chrono::milliseconds pool_checkout_timeout{30'000};
  std::shared_ptr<MetricsCollector> metrics;
  std::shared_ptr<TokenBucket> rate_limiter;  // 1 token per get, n per multi_get
  // Pinning: serve this manifest (or the N-th newest) and never follow `_CURRENT`.
  std::optional<std::string> pinned_ref;
  std::optional<size_t> pinned_offset;
};

struct SnapshotInfo {
  std::string run_id;
  uint32_t num_dbs = 0;
  ShardingSpec sharding;
  Timestamp created_at{};
  std::string manifest_ref;
  int64_t row_count = 0;
  KeyEncoding key_encoding = KeyEncoding::kU64BE;
  std::string hash_algorithm;
};

struct ShardDetail {
  uint32_t db_id = 0;
  int64_t row_count = 0;
  std::optional<Key> min_key, max_key;
  std::optional<std::string> db_url;
  int64_t db_bytes = 0;
};

enum class HealthStatus { kHealthy, kDegraded, kUnhealthy };

struct ReaderHealth {
  HealthStatus status = HealthStatus::kHealthy;
  std::string manifest_ref;
  std::chrono::milliseconds manifest_age{0};  // since the snapshot was published
  uint32_t num_shards = 0;
  bool is_closed = false;
};

class ReaderState;

// A borrowed view of one shard of one snapshot: keeps that snapshot alive until Close()
// (or destruction), even across refreshes.  Lookups take storage key bytes.
class ShardReaderHandle {
 public:
  ShardReaderHandle(std::shared_ptr<ReaderState> state, uint32_t db_id);
  ~ShardReaderHandle();
  ShardReaderHandle(ShardReaderHandle&&) noexcept;
  ShardReaderHandle& operator=(ShardReaderHandle&&) noexcept;
  uint32_t db_id() const { return db_id_; }
  std::optional<std::string> Get(std::string_view storage_key);
  std::vector<std::optional<std::string>> MultiGet(std::span<const std::string> storage_keys);
  // Up to `limit` (key, value) rows of [start, end) in storage-key order; nullopt bounds are
  // open.  Fewer than `limit` rows: the range is done; else continue from the last key plus
  // a 0x00 byte.  SlateDB shards only (features R-41): SQLite shards throw DbAdapterError.
  std::vector<std::pair<std::string, std::string>> Scan(const std::optional<std::string>& start,
                                                        const std::optional<std::string>& end, size_t limit);
  void Close();  // releases the borrow (not the shard); idempotent

 private:
  std::shared_ptr<ReaderState> state_;
  uint32_t db_id_;
};

class ConcurrentShardedReader {
 public:
  // Opens the current snapshot (or the pinned one).  Throws ReaderStateError when there
  // is no `_CURRENT`, ManifestParseError when neither it nor a fallback parses, and store /
  // shard errors as they come.
  explicit ConcurrentShardedReader(ReaderOptions options);
  virtual ~ConcurrentShardedReader();
  ConcurrentShardedReader(const ConcurrentShardedReader&) = delete;
  ConcurrentShardedReader& operator=(const ConcurrentShardedReader&) = delete;

  // nullopt when the key is absent (or its CEL token is unknown); "" is a present empty value.
  std::optional<std::string> Get(const Key& key, const RoutingContext* context = nullptr);
  // One result per key, in input order; each shard is read once.  Any shard failure fails
  // the whole call (DbAdapterError naming the shard): never a silent partial result.
  std::vector<std::optional<std::string>> MultiGet(std::span<const Key> keys,
                                                   const RoutingContext* context = nullptr);

  // True when a new snapshot was loaded.  Keeps the old one on any failure (a bad manifest
  // is logged and reported as "unchanged"; a missing `_CURRENT` throws ReaderStateError).
  // Returns after lookups still running on the old snapshot have finished.
  bool Refresh();
  // Idempotent; later calls throw ReaderStateError.  Waits for running lookups; borrowed
  // handles keep their snapshot open until they are closed.
  void Close();

  uint32_t RouteKey(const Key& key, const RoutingContext* context = nullptr) const;
  RequiredShardMeta ShardForKey(const Key& key, const RoutingContext* context = nullptr) const;
  ShardReaderHandle ReaderForKey(const Key& key, const RoutingContext* context = nullptr);
  std::vector<ShardReaderHandle> ReadersForKeys(std::span<const Key> keys);

  SnapshotInfo GetSnapshotInfo() const;
  std::vector<ShardDetail> GetShardDetails() const;
  ReaderHealth Health(std::optional<std::chrono::milliseconds> staleness_threshold = std::nullopt) const;
  KeyEncoding key_encoding() const;
  std::string manifest_ref() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Single-caller flavour: no fan-out pool, lock mode.  (It is still safe to share.)
class ShardedReader : public ConcurrentShardedReader {
 public:
  explicit ShardedReader(ReaderOptions options);
};

}  // namespace shardyfusion
