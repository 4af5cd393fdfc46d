// One loaded snapshot: manifest, router and open shard readers.  Immutable after
// construction except for the per-shard reader pools; shared by in-flight calls and
// borrowed handles, and closed (shard readers released) by its destructor.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "reader/shard_reader.h"
#include "shardyfusion/manifest.h"
#include "shardyfusion/router.h"

namespace shardyfusion {

class ThreadPool;

// A number for the calling thread, unique in the process (0, 1, 2 ... by first use).
size_t ThisThreadNumber();

class ReaderState {
 public:
  struct OpenOptions {
    std::string local_root;
    int readers_per_shard = 1;  // >1: pool mode
    // Pool mode: how long to wait for a free reader.  nullopt with one reader per shard:
    // lock mode (the reader is used under the shard's mutex).
    std::optional<std::chrono::milliseconds> checkout_timeout;
  };
  // Opens every non-empty shard (in parallel on `pool` when given).  If any open fails,
  // the ones already opened are closed and the error propagates.
  ReaderState(ManifestRef ref, ParsedManifest manifest, ShardReaderFactory& factory,
              const OpenOptions& options, ThreadPool* pool);
  ~ReaderState();

  const ManifestRef& ref() const { return ref_; }
  const ParsedManifest& manifest() const { return manifest_; }
  const SnapshotRouter& router() const { return router_; }
  const std::vector<RequiredShardMeta>& shards() const { return shards_; }  // padded
  bool IsEmpty(uint32_t db_id) const { return slots_[db_id] == nullptr; }

  // Lookups in shard `db_id` (storage key bytes).  Empty shards miss without I/O.
  std::optional<std::string> Get(uint32_t db_id, std::string_view key);
  std::vector<std::optional<std::string>> MultiGet(uint32_t db_id, std::span<const std::string> keys);
  std::vector<std::pair<std::string, std::string>> ScanChunk(uint32_t db_id, const std::optional<std::string>& start,
                                                             const std::optional<std::string>& end, size_t limit);

 private:
  struct Slot;
  class Checkout;

  ManifestRef ref_;
  ParsedManifest manifest_;
  SnapshotRouter router_;
  std::vector<RequiredShardMeta> shards_;
  std::vector<std::unique_ptr<Slot>> slots_;
  std::optional<std::chrono::milliseconds> checkout_timeout_;
  bool lock_mode_;  // one reader per shard, no checkout timeout
};

}  // namespace shardyfusion
