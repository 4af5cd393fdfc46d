#include "reader/reader_state.h"

#include <cstdio>
#include <filesystem>

#include "core/thread_pool.h"
#include "shardyfusion/errors.h"
#include "shardyfusion/observability.h"

namespace shardyfusion {

// The readers of one shard.  Lock mode is a pool of one: the same checkout path serves both.
struct ReaderState::Slot {
  std::vector<std::unique_ptr<ShardReader>> readers;
  std::vector<ShardReader*> idle;
  std::mutex mu;
  std::condition_variable cv;
};

class ReaderState::Checkout {
 public:
  Checkout(Slot& slot, uint32_t db_id, const std::optional<std::chrono::milliseconds>& timeout)
      : slot_(slot) {
    std::unique_lock lock(slot.mu);
    auto ready = [&] { return !slot.idle.empty(); };
    if (!timeout) {
      slot.cv.wait(lock, ready);
    } else if (!slot.cv.wait_for(lock, *timeout, ready)) {
      throw PoolExhaustedError("no reader of shard " + std::to_string(db_id) + " became free within " +
                               std::to_string(timeout->count()) + " ms");
    }
    reader_ = slot.idle.back();
    slot.idle.pop_back();
  }
  ~Checkout() {
    {
      std::lock_guard lock(slot_.mu);
      slot_.idle.push_back(reader_);
    }
    slot_.cv.notify_one();
  }
  ShardReader* operator->() const { return reader_; }

 private:
  Slot& slot_;
  ShardReader* reader_;
};

ReaderState::ReaderState(ManifestRef ref, ParsedManifest manifest, ShardReaderFactory& factory,
                         const OpenOptions& options, ThreadPool* pool)
    : ref_(std::move(ref)),
      manifest_(std::move(manifest)),
      router_(SnapshotRouter::FromManifest(manifest_)),
      shards_(manifest_.PaddedShards()),
      checkout_timeout_(options.checkout_timeout) {
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
    for (int r = 0; r < std::max(1, options.readers_per_shard); ++r) {
      slot->readers.push_back(factory.Open(*meta.db_url, local_dir, meta.checkpoint_id, manifest_));
      slot->idle.push_back(slot->readers.back().get());
    }
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
  Checkout reader(*slot, db_id, checkout_timeout_);
  return reader->Get(key);
}

std::vector<std::optional<std::string>> ReaderState::MultiGet(uint32_t db_id,
                                                              std::span<const std::string> keys) {
  Slot* slot = slots_[db_id].get();
  if (slot == nullptr) return std::vector<std::optional<std::string>>(keys.size());
  Checkout reader(*slot, db_id, checkout_timeout_);
  return reader->MultiGet(keys);
}

}  // namespace shardyfusion
