// ConcurrentShardedReader: snapshot loading (cold start, fallback, pinning), refresh with
// atomic swap, lookups with fan-out, introspection (format.md §7, features R-01..R-22).
#include <unistd.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "core/thread_pool.h"
#include "reader/default_factory.h"
#include "reader/reader_state.h"
#include "shardyfusion/errors.h"
#include "shardyfusion/manifest_store.h"
#include "shardyfusion/observability.h"
#include "shardyfusion/rate_limiter.h"
#include "shardyfusion/reader.h"
#include "shardyfusion/store_resolver.h"

namespace shardyfusion {
namespace ev = metric_events;
using Clock = std::chrono::steady_clock;

namespace {

// Under u64be/u32be a bytes key of exactly 8/4 bytes is an already-encoded integer.  The
// reference routes it by its raw bytes (wrong shard); we decode it and route the integer.
Key NormalizeLookupKey(const Key& key, KeyEncoding encoding) {
  size_t width = encoding == KeyEncoding::kU64BE ? 8 : encoding == KeyEncoding::kU32BE ? 4 : 0;
  if (width == 0 || key.kind() != Key::Kind::kBytes || key.data().size() != width) return key;
  uint64_t v = 0;
  for (unsigned char c : key.data()) v = (v << 8) | c;
  return Key::UInt(v);
}

// KV readers refuse vector-only snapshots (a configuration error, so no fallback).
void RequireKvManifest(const ParsedManifest& m) {
  auto custom = nlohmann::json::parse(m.custom_json, nullptr, false);
  if (custom.is_object() && custom.contains("vector") && custom["vector"].is_object() &&
      !custom["vector"].value("unified", false))
    throw ConfigValidationError("manifest of run '" + m.build.run_id +
                                "' is a vector-only snapshot; open it with a vector reader");
}

double Millis(Clock::time_point since) {
  return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
}

}  // namespace

struct ConcurrentShardedReader::Impl {
  ReaderOptions options;
  std::shared_ptr<StoreResolver> resolver;
  std::shared_ptr<ManifestStore> store;
  std::shared_ptr<ShardReaderFactory> factory;
  std::unique_ptr<ThreadPool> pool;  // fan-out for multi_get and shard opening
  std::mutex refresh_mu;             // taken before state_mu, never after
  mutable std::mutex state_mu;
  std::shared_ptr<ReaderState> state;
  bool closed = false;

  std::shared_ptr<ReaderState> Snapshot() const {
    std::lock_guard lock(state_mu);
    if (closed) throw ReaderStateError("reader is closed");
    return state;
  }

  void Emit(std::string_view event, MetricPayload payload) const {
    if (options.metrics) options.metrics->Emit(event, payload);
  }

  std::shared_ptr<ReaderState> Open(ManifestRef ref, ParsedManifest manifest) {
    RequireKvManifest(manifest);
    ReaderState::OpenOptions open;
    open.local_root = options.local_root;
    if (options.thread_safety == ThreadSafety::kPool) {
      open.readers_per_shard = options.pool_size > 0 ? options.pool_size : std::max(1, options.max_workers);
      open.checkout_timeout = options.pool_checkout_timeout;
    }
    return std::make_shared<ReaderState>(std::move(ref), std::move(manifest), *factory, open, pool.get());
  }

  std::shared_ptr<ReaderState> LoadInitial() {
    if (options.pinned_ref) {
      ManifestRef ref{*options.pinned_ref, RunIdFromRef(*options.pinned_ref), {}};
      ParsedManifest m = store->LoadManifest(ref.ref);
      ref.published_at = m.build.created_at;
      return Open(ref, std::move(m));
    }
    if (options.pinned_offset) {
      auto history = store->ListManifests(*options.pinned_offset + 1);
      if (history.size() <= *options.pinned_offset)
        throw ReaderStateError("history has no manifest at offset " + std::to_string(*options.pinned_offset) +
                               " (" + std::to_string(history.size()) + " manifests)");
      const ManifestRef& ref = history[*options.pinned_offset];
      return Open(ref, store->LoadManifest(ref.ref));
    }
    auto current = store->LoadCurrent();
    if (!current) throw ReaderStateError("no current snapshot: _CURRENT not found under " + store->root_url());
    try {
      return Open(*current, store->LoadManifest(current->ref));
    } catch (const ManifestParseError& e) {
      if (options.max_fallback_attempts <= 0) throw;
      LogEvent(LogLevel::kWarning, "reader_cold_start_fallback", {{"manifest_ref", current->ref}, {"error", e.what()}});
      for (const auto& candidate : store->ListManifests(options.max_fallback_attempts + 1)) {
        if (candidate.ref == current->ref) continue;
        ParsedManifest m;
        try {
          m = store->LoadManifest(candidate.ref);
        } catch (const ManifestParseError&) {
          continue;
        }
        LogEvent(LogLevel::kWarning, "reader_fallback_succeeded", {{"manifest_ref", candidate.ref}});
        return Open(candidate, std::move(m));
      }
      throw ReaderStateError(std::string("No valid manifest found after fallback: ") + e.what());
    }
  }

  uint32_t Route(const ReaderState& st, const Key& key, const RoutingContext* context, bool* known) const {
    auto db = st.router().RouteWithContext(NormalizeLookupKey(key, st.router().key_encoding()), context);
    *known = db.has_value();
    return db.value_or(0);
  }
};

ConcurrentShardedReader::ConcurrentShardedReader(ReaderOptions options) : impl_(std::make_unique<Impl>()) {
  Impl& d = *impl_;
  if (options.max_workers <= 0) throw ConfigValidationError("max_workers must be > 0");
  if (options.pool_checkout_timeout.count() <= 0) throw ConfigValidationError("pool_checkout_timeout must be > 0");
  if (options.pinned_ref && options.pinned_offset)
    throw ConfigValidationError("pin either a manifest ref or a history offset, not both");
  if (options.local_root.empty())
    options.local_root = (std::filesystem::temp_directory_path() / ("shardyfusion-reader-" + std::to_string(getpid()))).string();
  d.resolver = options.resolver ? options.resolver : DefaultStoreResolver();
  if (options.manifest_store) {
    d.store = options.manifest_store;
  } else {
    ManifestStoreOptions store_options;
    store_options.current_pointer_key = options.current_pointer_key;
    d.store = MakeObjectManifestStore(*d.resolver, options.s3_prefix, store_options);
  }
  d.factory = options.reader_factory ? options.reader_factory : MakeDefaultReaderFactory(options, d.resolver);
  if (options.max_workers > 1) d.pool = std::make_unique<ThreadPool>(options.max_workers);
  d.options = std::move(options);
  d.state = d.LoadInitial();
  d.Emit(ev::kReaderInitialized, {{"manifest_ref", d.state->ref().ref}, {"num_shards", int64_t{d.state->router().num_dbs()}}});
  LogEvent(LogLevel::kInfo, "reader_initialized", {{"manifest_ref", d.state->ref().ref}});
}

ConcurrentShardedReader::~ConcurrentShardedReader() {
  try {
    Close();
  } catch (...) {
  }
}

ShardedReader::ShardedReader(ReaderOptions options)
    : ConcurrentShardedReader([&] {
        options.max_workers = 1;
        options.thread_safety = ThreadSafety::kLock;
        return std::move(options);
      }()) {}

std::optional<std::string> ConcurrentShardedReader::Get(const Key& key, const RoutingContext* context) {
  auto st = impl_->Snapshot();
  if (impl_->options.rate_limiter) impl_->options.rate_limiter->Acquire(1);
  const bool timed = impl_->options.metrics != nullptr;
  auto start = timed ? Clock::now() : Clock::time_point{};
  bool known;
  uint32_t db = impl_->Route(*st, key, context, &known);
  std::optional<std::string> value;
  if (known && !st->IsEmpty(db)) {
    std::string storage_key = st->router().EncodeLookupKey(NormalizeLookupKey(key, st->router().key_encoding()));
    try {
      value = st->Get(db, storage_key);
    } catch (const ShardyfusionError&) {
      throw;
    } catch (const std::exception& e) {
      throw DbAdapterError("get from shard " + std::to_string(db) + " failed: " + e.what());
    }
  }
  if (timed) impl_->Emit(ev::kReaderGet, {{"duration_ms", Millis(start)}, {"found", value.has_value()}});
  return value;
}

std::vector<std::optional<std::string>> ConcurrentShardedReader::MultiGet(std::span<const Key> keys,
                                                                          const RoutingContext* context) {
  auto st = impl_->Snapshot();
  if (impl_->options.rate_limiter) impl_->options.rate_limiter->Acquire(static_cast<double>(keys.size()));
  auto start = Clock::now();
  std::vector<std::optional<std::string>> out(keys.size());
  struct Group {
    uint32_t db;
    std::vector<size_t> index;
    std::vector<std::string> storage_keys;
  };
  std::map<uint32_t, Group> by_shard;
  const KeyEncoding enc = st->router().key_encoding();
  for (size_t i = 0; i < keys.size(); ++i) {
    bool known;
    uint32_t db = impl_->Route(*st, keys[i], context, &known);
    if (!known || st->IsEmpty(db)) continue;  // miss without I/O
    Group& g = by_shard[db];
    g.db = db;
    g.index.push_back(i);
    g.storage_keys.push_back(st->router().EncodeLookupKey(NormalizeLookupKey(keys[i], enc)));
  }
  std::vector<Group*> groups;
  for (auto& [db, g] : by_shard) groups.push_back(&g);
  std::vector<std::string> failures(groups.size());
  auto run = [&](size_t gi) {
    Group& g = *groups[gi];
    try {
      auto values = st->MultiGet(g.db, g.storage_keys);
      for (size_t j = 0; j < g.index.size(); ++j) out[g.index[j]] = std::move(values[j]);
    } catch (const std::exception& e) {
      failures[gi] = e.what();
    }
  };
  if (impl_->pool && groups.size() > 1) {
    impl_->pool->ParallelFor(groups.size(), run);
  } else {
    for (size_t gi = 0; gi < groups.size(); ++gi) run(gi);
  }
  std::string failed;
  for (size_t gi = 0; gi < groups.size(); ++gi)
    if (!failures[gi].empty()) failed += (failed.empty() ? "" : "; ") + std::string("shard ") +
                                         std::to_string(groups[gi]->db) + ": " + failures[gi];
  if (!failed.empty()) throw DbAdapterError("multi_get failed (" + failed + ")");
  impl_->Emit(ev::kReaderMultiGet, {{"duration_ms", Millis(start)}, {"num_keys", static_cast<int64_t>(keys.size())}});
  return out;
}

bool ConcurrentShardedReader::Refresh() {
  Impl& d = *impl_;
  std::lock_guard refresh_lock(d.refresh_mu);
  auto old = d.Snapshot();
  if (d.options.pinned_ref || d.options.pinned_offset) return false;  // pinned: never follows _CURRENT
  auto current = d.store->LoadCurrent();
  if (!current) throw ReaderStateError("no current snapshot: _CURRENT not found under " + d.store->root_url());
  bool changed = false;
  if (current->ref != old->ref().ref) {
    ParsedManifest manifest;
    bool parsed = true;
    try {
      manifest = d.store->LoadManifest(current->ref);
    } catch (const ManifestParseError& e) {
      LogEvent(LogLevel::kWarning, "reader_refresh_malformed_manifest", {{"manifest_ref", current->ref}, {"error", e.what()}});
      parsed = false;
    }
    if (parsed) {
      auto fresh = d.Open(*current, std::move(manifest));  // fully built before the swap
      {
        std::lock_guard lock(d.state_mu);
        if (d.closed) throw ReaderStateError("reader is closed");
        d.state.swap(fresh);
      }
      changed = true;  // `fresh` now holds the old state: it closes when its borrows end
      LogEvent(LogLevel::kInfo, "reader_refreshed", {{"manifest_ref", current->ref}});
    }
  }
  d.Emit(ev::kReaderRefreshed, {{"changed", changed}});
  return changed;
}

void ConcurrentShardedReader::Close() {
  std::shared_ptr<ReaderState> old;
  {
    std::lock_guard lock(impl_->state_mu);
    if (impl_->closed) return;
    impl_->closed = true;
    old.swap(impl_->state);
  }
  int64_t borrowed = old ? old.use_count() - 1 : 0;
  old.reset();
  impl_->Emit(ev::kReaderClosed, {{"num_handles", borrowed}});
}

uint32_t ConcurrentShardedReader::RouteKey(const Key& key, const RoutingContext* context) const {
  auto st = impl_->Snapshot();
  bool known;
  uint32_t db = impl_->Route(*st, key, context, &known);
  if (!known) throw UnknownRoutingTokenError("key " + key.ToString() + " has no shard");
  return db;
}

RequiredShardMeta ConcurrentShardedReader::ShardForKey(const Key& key, const RoutingContext* context) const {
  auto st = impl_->Snapshot();
  return st->shards()[RouteKey(key, context)];
}

ShardReaderHandle ConcurrentShardedReader::ReaderForKey(const Key& key, const RoutingContext* context) {
  auto st = impl_->Snapshot();
  bool known;
  uint32_t db = impl_->Route(*st, key, context, &known);
  if (!known) throw UnknownRoutingTokenError("key " + key.ToString() + " has no shard");
  return ShardReaderHandle(st, db);
}

std::vector<ShardReaderHandle> ConcurrentShardedReader::ReadersForKeys(std::span<const Key> keys) {
  auto st = impl_->Snapshot();
  std::map<uint32_t, bool> seen;
  std::vector<ShardReaderHandle> handles;
  for (const auto& k : keys) {
    bool known;
    uint32_t db = impl_->Route(*st, k, nullptr, &known);
    if (known && !seen[db]) {
      seen[db] = true;
      handles.emplace_back(st, db);
    }
  }
  return handles;
}

SnapshotInfo ConcurrentShardedReader::GetSnapshotInfo() const {
  auto st = impl_->Snapshot();
  const auto& b = st->manifest().build;
  SnapshotInfo info{b.run_id, b.num_dbs, b.sharding, b.created_at, st->ref().ref, 0, b.key_encoding,
                    b.sharding.hash_algorithm};
  for (const auto& s : st->manifest().shards) info.row_count += s.row_count;
  return info;
}

std::vector<ShardDetail> ConcurrentShardedReader::GetShardDetails() const {
  auto st = impl_->Snapshot();
  std::vector<ShardDetail> out;
  for (const auto& s : st->shards())
    out.push_back({s.db_id, s.row_count, s.min_key, s.max_key, s.db_url, s.db_bytes});
  return out;
}

ReaderHealth ConcurrentShardedReader::Health(std::optional<std::chrono::milliseconds> staleness) const {
  ReaderHealth h;
  std::shared_ptr<ReaderState> st;
  {
    std::lock_guard lock(impl_->state_mu);
    h.is_closed = impl_->closed;
    st = impl_->state;
  }
  if (!st) {
    h.status = HealthStatus::kUnhealthy;
    return h;
  }
  h.manifest_ref = st->ref().ref;
  h.num_shards = st->router().num_dbs();
  h.manifest_age = std::chrono::duration_cast<std::chrono::milliseconds>(Now() - st->ref().published_at);
  h.status = staleness && h.manifest_age > *staleness ? HealthStatus::kDegraded : HealthStatus::kHealthy;
  return h;
}

KeyEncoding ConcurrentShardedReader::key_encoding() const { return impl_->Snapshot()->router().key_encoding(); }
std::string ConcurrentShardedReader::manifest_ref() const { return impl_->Snapshot()->ref().ref; }

// ---- ShardReaderHandle ----------------------------------------------------------

ShardReaderHandle::ShardReaderHandle(std::shared_ptr<ReaderState> state, uint32_t db_id)
    : state_(std::move(state)), db_id_(db_id) {}
ShardReaderHandle::~ShardReaderHandle() = default;
ShardReaderHandle::ShardReaderHandle(ShardReaderHandle&&) noexcept = default;
ShardReaderHandle& ShardReaderHandle::operator=(ShardReaderHandle&&) noexcept = default;

std::optional<std::string> ShardReaderHandle::Get(std::string_view storage_key) {
  if (!state_) throw ReaderStateError("shard handle is closed");
  return state_->Get(db_id_, storage_key);
}

std::vector<std::optional<std::string>> ShardReaderHandle::MultiGet(std::span<const std::string> keys) {
  if (!state_) throw ReaderStateError("shard handle is closed");
  return state_->MultiGet(db_id_, keys);
}

void ShardReaderHandle::Close() { state_.reset(); }

}  // namespace shardyfusion
