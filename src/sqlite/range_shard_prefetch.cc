// RangeShardFile::Prefetch: replays SQLite's b-tree search (range_btree_probe.h) over the
// pages at hand so one GetRanges per missing tree level brings everything the real search
// will read.
#include <map>
#include <set>

#include "sqlite/range_btree_probe.h"
#include "sqlite/range_shard_file.h"

namespace shardyfusion::sqlite {

void RangeShardFile::Prefetch(std::span<const std::string> keys, uint32_t root_page) {
  if (cache_.capacity() == 0 || root_page == 0 || reserved_bytes_ >= page_size_) return;
  const uint32_t usable = page_size_ - reserved_bytes_;
  constexpr int kMaxDepth = 40;  // far deeper than any real b-tree; stops loops
  struct Walk {
    uint32_t page;
    int depth = 0;
    bool active = true;
  };
  std::vector<Walk> walks(keys.size(), Walk{root_page});
  // Pages fetched by this call, kept here too: a small LRU may already have evicted them,
  // and fetching them again would loop.
  std::map<uint32_t, PageBuffer> fetched;
  auto lookup = [&](uint32_t p) {
    auto it = fetched.find(p);
    return it != fetched.end() ? it->second : Cached(p);
  };
  for (int round = 0; round <= kMaxDepth; ++round) {
    std::set<uint32_t> want;
    auto want_if_missing = [&](uint32_t p) {
      if (p != 0 && p <= PageCount() && !lookup(p)) want.insert(p);
    };
    for (size_t i = 0; i < walks.size(); ++i) {
      Walk& walk = walks[i];
      while (walk.active) {
        if (walk.page == 0 || walk.page > PageCount() || ++walk.depth > kMaxDepth) {
          walk.active = false;
          break;
        }
        PageBuffer page = lookup(walk.page);
        if (!page) {  // fetched this round, probed in the next one
          want.insert(walk.page);
          --walk.depth;
          break;
        }
        ProbeStep step = ProbeIndexPage(*page, walk.page, usable, keys[i]);
        for (uint32_t head : step.overflow_heads) want_if_missing(head);
        if (!step.ok || step.leaf) {
          walk.active = false;
        } else {
          walk.page = step.child;
        }
      }
    }
    if (want.empty()) return;
    fetched.merge(Fetch(std::vector<uint32_t>(want.begin(), want.end())));
  }
}

}  // namespace shardyfusion::sqlite
