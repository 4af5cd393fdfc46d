#include "reader/reader_state.h"

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "core/thread_pool.h"
#include "shardyfusion/errors.h"
#include "shardyfusion/observability.h"

namespace shardyfusion {

// The readers of one shard.  Lock mode: one reader, used under `mu`.  Pool mode: readers
// are checked out (`busy`, under `mu`) and used without it.
struct ReaderState::Slot {
  static constexpr size_t kNobody = SIZE_MAX;
  std::vector<std::unique_ptr<ShardReader>> readers;
  std::vector<char> busy;          // pool mode
  std::vector<size_t> last_user;  // pool mode: ThisThreadNumber() of the last checkout
  std::mutex mu;
  std::condition_variable cv;
};

size_t ThisThreadNumber() {
  static std::atomic<size_t> next{0};
  thread_local const size_t mine = next.fetch_add(1, std::memory_order_relaxed);
  return mine;
}

namespace {

void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#else
  std::this_thread::yield();
#endif
}

// Takes a shard's mutex.  A thread that finds it busy spins a little (some microseconds)
// before it sleeps: in lock mode a local lookup holds it for a microsecond or two (in pool
// mode a checkout far less), much less than a futex sleep and wake-up cost (on a VM the
// sleeper's idle vCPU may even be descheduled).
std::unique_lock<std::mutex> LockShard(std::mutex& mu) {
  for (int i = 0; i < 128; ++i) {
    if (mu.try_lock()) return std::unique_lock(mu, std::adopt_lock);
    CpuRelax();
  }
  return std::unique_lock(mu);
}

}  // namespace

class ReaderState::Checkout {
 public:
  Checkout(Slot& slot, uint32_t db_id, const std::optional<std::chrono::milliseconds>& timeout)
      : slot_(slot) {
    const size_t me = ThisThreadNumber();
    // A free reader, preferring the one this thread used last (its SQLite connection's
    // state is still in this core's cache: handing connections back and forth between
    // cores costs about as much as the lookup), then one nobody has used yet.
    auto pick = [&] {
      int best_rank = 3;
      for (size_t i = 0; i < slot.readers.size(); ++i) {
        if (slot.busy[i]) continue;
        int rank = slot.last_user[i] == me ? 0 : slot.last_user[i] == Slot::kNobody ? 1 : 2;
        if (rank < best_rank) {
          best_rank = rank;
          index_ = i;
        }
      }
      return best_rank < 3;
    };
    auto lock = LockShard(slot.mu);
    if (pick()) {
      // the common case: no clock read for the deadline
    } else if (!timeout) {
      slot.cv.wait(lock, pick);
    } else if (!slot.cv.wait_for(lock, *timeout, pick)) {
      throw PoolExhaustedError("no reader of shard " + std::to_string(db_id) + " became free within " +
                               std::to_string(timeout->count()) + " ms");
    }
    slot.busy[index_] = 1;
    slot.last_user[index_] = me;
  }
  ~Checkout() {
    {
      auto lock = LockShard(slot_.mu);
      slot_.busy[index_] = 0;
    }
    slot_.cv.notify_one();
  }
  ShardReader* operator->() const { return slot_.readers[index_].get(); }

 private:
  Slot& slot_;
  size_t index_ = 0;
};

ReaderState::ReaderState(ManifestRef ref, ParsedManifest manifest, ShardReaderFactory& factory,
                         const OpenOptions& options, ThreadPool* pool)
    : ref_(std::move(ref)),
      manifest_(std::move(manifest)),
      router_(SnapshotRouter::FromManifest(manifest_)),
      shards_(manifest_.PaddedShards()),
      checkout_timeout_(options.checkout_timeout),
      lock_mode_(options.readers_per_shard <= 1 && !options.checkout_timeout) {
  slots_.resize(shards_.size());
  std::vector<uint32_t> to_open;
  for (const auto& s : shards_)
    if (s.db_url) to_open.push_back(s.db_id);
  auto open_one = [&](size_t i) {
    const auto& meta = shards_[to_open[i]];
    char dir[32];
    std::snprintf(dir, sizeof dir, "shard=%05u", meta.db_id);
    std::string local_dir = (std::filesystem::path(options.local_root) / dir).string();
    std::filesystem::create_directories(local_dir);
    auto slot = std::make_unique<Slot>();
    for (int r = 0; r < std::max(1, options.readers_per_shard); ++r)
      slot->readers.push_back(factory.Open(*meta.db_url, local_dir, meta.checkpoint_id, manifest_));
    slot->busy.assign(slot->readers.size(), 0);
    slot->last_user.assign(slot->readers.size(), Slot::kNobody);
    slots_[meta.db_id] = std::move(slot);
  };
  if (pool) {
    pool->ParallelFor(to_open.size(), open_one);  // on failure, slots_ cleanup closes the rest
  } else {
    for (size_t i = 0; i < to_open.size(); ++i) open_one(i);
  }
}

ReaderState::~ReaderState() {
  for (auto& slot : slots_) {
    if (!slot) continue;
    for (auto& r : slot->readers) {
      try {
        r->Close();
      } catch (const std::exception& e) {
        LogEvent(LogLevel::kWarning, "shard_close_failed", {{"error", e.what()}});
      }
    }
  }
}

std::optional<std::string> ReaderState::Get(uint32_t db_id, std::string_view key) {
  Slot* slot = slots_[db_id].get();
  if (slot == nullptr) return std::nullopt;
  if (lock_mode_) {
    auto lock = LockShard(slot->mu);
    return slot->readers.front()->Get(key);
  }
  Checkout reader(*slot, db_id, checkout_timeout_);
  return reader->Get(key);
}

std::vector<std::optional<std::string>> ReaderState::MultiGet(uint32_t db_id,
                                                              std::span<const std::string> keys) {
  Slot* slot = slots_[db_id].get();
  if (slot == nullptr) return std::vector<std::optional<std::string>>(keys.size());
  if (lock_mode_) {
    auto lock = LockShard(slot->mu);
    return slot->readers.front()->MultiGet(keys);
  }
  Checkout reader(*slot, db_id, checkout_timeout_);
  return reader->MultiGet(keys);
}

std::vector<std::pair<std::string, std::string>> ReaderState::ScanChunk(uint32_t db_id,
                                                                        const std::optional<std::string>& start,
                                                                        const std::optional<std::string>& end,
                                                                        size_t limit) {
  Slot* slot = slots_[db_id].get();
  if (slot == nullptr) return {};
  if (lock_mode_) {
    auto lock = LockShard(slot->mu);
    return slot->readers.front()->ScanChunk(start, end, limit);
  }
  Checkout reader(*slot, db_id, checkout_timeout_);
  return reader->ScanChunk(start, end, limit);
}

}  // namespace shardyfusion
