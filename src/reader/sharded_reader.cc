// ConcurrentShardedReader: snapshot loading (cold start, fallback, pinning), refresh with
// atomic swap, lookups with fan-out, introspection (format.md §7, features R-01..R-22).
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <thread>
#include <utility>
#include <nlohmann/json.hpp>

#include "core/fd_limit.h"
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

// Lookups (Get, MultiGet) take no lock and touch no shared reference count: the hot path
// reads the current state through a raw pointer inside a read section, and a section only
// increments and decrements a counter on its thread's own cache line.  Counters come in
// two generations (epoch parity).  Swap() publishes the new state, flips the epoch so new
// sections count under the other parity, and then waits until the old parity drains: after
// that no lookup can still use the old state, and its owning pointer is dropped (the state
// closes when borrowed handles, which hold shared_ptrs, let go too).
//
// Why it is safe (seq_cst throughout, except a section's final decrement, a release that
// the drain's loads acquire): a section that validated epoch e incremented its counter
// before the writer's epoch flip, so the writer's drain sees it until it ends; a section
// that validated e+1 loaded `current` after the flip, so it got the new state.
struct ConcurrentShardedReader::Impl {
  static constexpr size_t kStripes = 64;  // threads beyond this share counters (still correct)
  struct alignas(64) Stripe {
    std::atomic<int64_t> active[2] = {0, 0};  // sections in flight, by epoch parity
  };

  ReaderOptions options;
  std::shared_ptr<StoreResolver> resolver;
  std::shared_ptr<ManifestStore> store;
  std::shared_ptr<ShardReaderFactory> factory;
  std::unique_ptr<ThreadPool> pool;  // fan-out for multi_get and shard opening
  std::mutex refresh_mu;             // one refresh at a time; taken before swap_mu
  std::mutex swap_mu;                // one Swap (publish + grace period) at a time
  mutable std::mutex state_mu;       // guards `state` and `closed`; never held while waiting
  std::shared_ptr<ReaderState> state;  // owner of the current state (null once closed)
  bool closed = false;
  alignas(64) std::atomic<ReaderState*> current{nullptr};  // state.get(), for read sections
  std::atomic<uint64_t> epoch{0};
  Stripe stripes[kStripes];

  // A lookup's view of the current state (see Impl).  Not reentrant with Swap: code inside a
  // section must never refresh or close the reader (it would wait for itself).
  class ReadSection {
   public:
    explicit ReadSection(Impl& d) {
      auto& stripe = d.stripes[ThreadStripe()];
      for (;;) {
        const uint64_t e = d.epoch.load();
        counter_ = &stripe.active[e & 1];
        counter_->fetch_add(1);
        if (d.epoch.load() == e) break;
        counter_->fetch_sub(1);  // a swap flipped the epoch meanwhile: count under the new one
      }
      state_ = d.current.load();
      if (state_ == nullptr) {
        counter_->fetch_sub(1);
        throw ReaderStateError("reader is closed");
      }
    }
    ~ReadSection() { counter_->fetch_sub(1, std::memory_order_release); }
    ReadSection(const ReadSection&) = delete;
    ReadSection& operator=(const ReadSection&) = delete;
    ReaderState& operator*() const { return *state_; }
    ReaderState* operator->() const { return state_; }

   private:
    // Each thread keeps one stripe for its life: threads spread over the stripes round-robin.
    static size_t ThreadStripe() { return ThisThreadNumber() % kStripes; }
    std::atomic<int64_t>* counter_;
    ReaderState* state_;
  };

  // For calls off the hot path (introspection, borrowed handles).
  std::shared_ptr<ReaderState> Snapshot() const {
    std::lock_guard lock(state_mu);
    if (closed) throw ReaderStateError("reader is closed");
    return state;
  }

  void ThrowIfClosed() const {
    if (current.load(std::memory_order_acquire) == nullptr) throw ReaderStateError("reader is closed");
  }

  // Makes `next` current (null: closes the reader) and returns the previous state once no
  // read section can still be using it; null (and `next` is dropped) if already closed.
  std::shared_ptr<ReaderState> Swap(std::shared_ptr<ReaderState> next) {
    std::lock_guard swap_lock(swap_mu);
    std::shared_ptr<ReaderState> old;
    {
      std::lock_guard lock(state_mu);
      if (closed) return nullptr;
      closed = next == nullptr;
      old = std::exchange(state, std::move(next));
      current.store(state.get());
    }
    const size_t parity = epoch.fetch_add(1) & 1;  // new sections count under the other parity
    for (int round = 0;; ++round) {
      int64_t in_flight = 0;
      for (const auto& s : stripes) in_flight += s.active[parity].load();
      if (in_flight == 0) return old;
      if (round < 100) {
        std::this_thread::yield();
      } else {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
      }
    }
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
    ReserveOpenFiles(manifest.shards.size() * static_cast<uint64_t>(open.readers_per_shard));
    return std::make_shared<ReaderState>(std::move(ref), std::move(manifest), *factory, open, pool.get());
  }

  // Download (and auto) mode keep a file open per shard connection; a refresh holds the
  // old and the new snapshot at once.  Custom factories and range/SlateDB readers keep none.
  void ReserveOpenFiles(uint64_t connections) const {
    if (options.reader_factory || options.backend != ShardBackend::kSqlite ||
        options.sqlite_mode == SqliteReadMode::kRange)
      return;
    const uint64_t wanted = 2 * connections + 256;  // + sockets, logs, the store's own files
    const fd_limit::Limits before = fd_limit::Current();
    if (before.soft >= wanted) return;
    const fd_limit::Limits now = fd_limit::EnsureAtLeast(wanted);
    if (now.soft > before.soft)
      LogEvent(LogLevel::kInfo, "reader_open_file_limit_raised",
               {{"from", std::to_string(before.soft)}, {"to", std::to_string(now.soft)}});
    if (now.soft < wanted)
      LogEvent(LogLevel::kWarning, "reader_open_file_limit_low",
               {{"limit", std::to_string(now.soft)}, {"wanted", std::to_string(wanted)}});
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
  d.current.store(d.state.get());
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
  Impl& d = *impl_;
  d.ThrowIfClosed();  // a closed reader takes no token
  if (d.options.rate_limiter) d.options.rate_limiter->Acquire(1);
  const bool timed = d.options.metrics != nullptr;
  auto start = timed ? Clock::now() : Clock::time_point{};
  std::optional<std::string> value;
  {
    Impl::ReadSection st(d);
    const SnapshotRouter& router = st->router();
    const Key normalized = NormalizeLookupKey(key, router.key_encoding());
    auto db = router.RouteWithContext(normalized, context);
    if (db && !st->IsEmpty(*db)) {
      try {
        value = st->Get(*db, router.EncodeLookupKey(normalized));
      } catch (const ShardyfusionError&) {
        throw;
      } catch (const std::exception& e) {
        throw DbAdapterError("get from shard " + std::to_string(*db) + " failed: " + e.what());
      }
    }
  }  // metrics are emitted outside the section: a callback may refresh or close the reader
  if (timed) d.Emit(ev::kReaderGet, {{"duration_ms", Millis(start)}, {"found", value.has_value()}});
  return value;
}

std::vector<std::optional<std::string>> ConcurrentShardedReader::MultiGet(std::span<const Key> keys,
                                                                          const RoutingContext* context) {
  Impl& d = *impl_;
  d.ThrowIfClosed();
  if (d.options.rate_limiter) d.options.rate_limiter->Acquire(static_cast<double>(keys.size()));
  auto start = Clock::now();
  std::vector<std::optional<std::string>> out(keys.size());
  struct Group {
    uint32_t db;
    std::vector<size_t> index;
    std::vector<std::string> storage_keys;
  };
  std::string failed;
  {
    Impl::ReadSection st(d);
    std::map<uint32_t, Group> by_shard;
    const SnapshotRouter& router = st->router();
    for (size_t i = 0; i < keys.size(); ++i) {
      const Key normalized = NormalizeLookupKey(keys[i], router.key_encoding());
      auto db = router.RouteWithContext(normalized, context);
      if (!db || st->IsEmpty(*db)) continue;  // miss without I/O
      Group& g = by_shard[*db];
      g.db = *db;
      g.index.push_back(i);
      g.storage_keys.push_back(router.EncodeLookupKey(normalized));
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
    if (d.pool && groups.size() > 1) {
      d.pool->ParallelFor(groups.size(), run);
    } else {
      for (size_t gi = 0; gi < groups.size(); ++gi) run(gi);
    }
    for (size_t gi = 0; gi < groups.size(); ++gi)
      if (!failures[gi].empty()) failed += (failed.empty() ? "" : "; ") + std::string("shard ") +
                                           std::to_string(groups[gi]->db) + ": " + failures[gi];
  }  // metrics are emitted outside the section: a callback may refresh or close the reader
  if (!failed.empty()) throw DbAdapterError("multi_get failed (" + failed + ")");
  d.Emit(ev::kReaderMultiGet, {{"duration_ms", Millis(start)}, {"num_keys", static_cast<int64_t>(keys.size())}});
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
      // Fully built before the swap; Swap returns once no lookup still uses the old state,
      // which then closes as soon as its borrowed handles (and `old`) let go.
      if (!d.Swap(d.Open(*current, std::move(manifest)))) throw ReaderStateError("reader is closed");
      changed = true;
      LogEvent(LogLevel::kInfo, "reader_refreshed", {{"manifest_ref", current->ref}});
    }
  }
  d.Emit(ev::kReaderRefreshed, {{"changed", changed}});
  return changed;
}

void ConcurrentShardedReader::Close() {
  std::shared_ptr<ReaderState> old = impl_->Swap(nullptr);  // waits for in-flight lookups
  if (!old) return;  // already closed
  int64_t borrowed = old.use_count() - 1;
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

std::vector<std::pair<std::string, std::string>> ShardReaderHandle::Scan(const std::optional<std::string>& start,
                                                                         const std::optional<std::string>& end,
                                                                         size_t limit) {
  if (!state_) throw ReaderStateError("shard handle is closed");
  return state_->ScanChunk(db_id_, start, end, limit);
}

void ShardReaderHandle::Close() { state_.reset(); }

}  // namespace shardyfusion
