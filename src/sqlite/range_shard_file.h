// One remote shard.db seen as a read-only random-access file for the range reader's VFS
// (format.md §4.4, §4.6): byte reads are widened to whole pages, served from the sidecar's
// pinned pages or a page LRU, and every missing page of one read (plus the rest of an
// overflow chain it starts) is fetched with ONE GetRanges call.
//
// Open costs one HEAD, plus one GET of the sidecar (when enabled) and, unless a valid
// sidecar supplied page 1, one GetRanges of the 100-byte header.
//
// Thread-safe: Read may run on several threads (pinned pages are immutable after open,
// the LRU locks).  Store errors propagate unchanged; the object vanishing at open is a
// DbAdapterError naming the URL.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "shardyfusion/object_store.h"
#include "shardyfusion/store_resolver.h"
#include "sqlite/range_page_cache.h"

namespace shardyfusion::sqlite {

// Request and cache counters of one shard (benchmarks and tests assert S3 budgets on them).
struct RangeReaderStats {
  uint64_t head_calls = 0;
  uint64_t get_calls = 0;         // whole-object GETs (the sidecar)
  uint64_t get_ranges_calls = 0;  // GetRanges calls (header + page fetches)
  // HTTP range requests those calls need at most: ranges that touch are merged, as the S3
  // store does, and each remaining group is one request (S3 sends them in parallel).
  uint64_t range_requests = 0;
  uint64_t pages_fetched = 0;
  uint64_t page_hits = 0;  // pages served from the sidecar or the LRU
  bool sidecar_used = false;
  std::string sidecar_status;  // "used", "disabled", "absent" or the rejection reason
};

struct RangeFileOptions {
  size_t page_cache_pages = 1024;  // 0 disables the LRU (sidecar pages stay pinned)
  bool use_sidecar = true;
};

class RangeShardFile {
 public:
  // `db_url` is the attempt URL; the object is `<db_url>/shard.db`.
  static std::shared_ptr<RangeShardFile> Open(StoreResolver& resolver, const std::string& db_url,
                                              const RangeFileOptions& options);

  uint64_t size() const { return size_; }
  uint32_t page_size() const { return page_size_; }
  const std::string& url() const { return url_; }  // <db_url>/shard.db
  size_t cache_capacity() const { return cache_.capacity(); }

  // Copies the bytes [offset, offset + amount) that exist into `out` and returns how many
  // that is (fewer only at end of file).
  size_t Read(char* out, size_t amount, uint64_t offset);

  // Replays SQLite's search for each key over the pages at hand and fetches what the real
  // search will read (next b-tree page, overflow chains of compared cells): one GetRanges
  // per tree level that misses, so with the sidecar (interior pages pinned) a lookup
  // costs at most two - the leaf with the interior cells' chains, then the leaf cells'
  // chains.  `root_page` is kv's root.  Only decides what is cached, never what SQLite
  // reads, so a wrong prediction costs a later fetch, not a wrong answer.
  void Prefetch(std::span<const std::string> keys, uint32_t root_page);

  RangeReaderStats stats() const;

 private:
  RangeShardFile(std::shared_ptr<ObjectStore> store, std::string key, std::string url,
                 size_t cache_pages);
  void LoadSidecar(const std::string& sidecar_key, const std::string& etag);
  void ReadHeader();
  PageBuffer Cached(uint32_t pageno);
  // Fetches `pages` (ascending, none cached) plus the rest of any overflow chain they
  // belong to, in one GetRanges call; returns every page fetched.
  std::map<uint32_t, PageBuffer> Fetch(const std::vector<uint32_t>& pages);
  uint64_t PageCount() const { return (size_ + page_size_ - 1) / page_size_; }

  std::shared_ptr<ObjectStore> store_;
  std::string key_;
  std::string url_;
  uint64_t size_ = 0;
  uint32_t page_size_ = 4096;
  uint32_t reserved_bytes_ = 0;            // header byte 20: page_size_ - this = usable size
  std::map<uint32_t, PageBuffer> pinned_;  // from the sidecar; read-only after open
  std::vector<std::vector<uint32_t>> chains_;
  std::unordered_map<uint32_t, std::pair<size_t, size_t>> chain_pos_;  // page -> (chain, index)
  RangePageCache cache_;
  std::string sidecar_status_ = "disabled";

  std::atomic<uint64_t> head_calls_{0}, get_calls_{0}, get_ranges_calls_{0}, range_requests_{0},
      pages_fetched_{0}, page_hits_{0};
};

}  // namespace shardyfusion::sqlite
