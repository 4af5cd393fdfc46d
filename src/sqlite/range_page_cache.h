// Page-aligned LRU cache of one shard's pages for the range reader (format.md §4.4).
//
// Keys are 1-based page numbers; values are whole pages (the last page of a file may be
// short).  Pages are handed out as shared, immutable buffers so a lookup never copies a
// page under the lock.  Thread-safe.  A capacity of 0 disables caching (Put is a no-op).
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace shardyfusion::sqlite {

using PageBuffer = std::shared_ptr<const std::string>;

class RangePageCache {
 public:
  explicit RangePageCache(size_t capacity_pages) : capacity_(capacity_pages) {}

  // The cached page (now most recently used), or null.
  PageBuffer Get(uint32_t pageno);
  // Inserts or refreshes `pageno`, evicting the least recently used pages over capacity.
  void Put(uint32_t pageno, PageBuffer page);

  size_t capacity() const { return capacity_; }
  size_t size() const;

 private:
  struct Entry {
    PageBuffer page;
    std::list<uint32_t>::iterator lru_pos;
  };

  const size_t capacity_;
  mutable std::mutex mu_;
  std::list<uint32_t> lru_;  // front = most recently used
  std::unordered_map<uint32_t, Entry> entries_;
};

}  // namespace shardyfusion::sqlite
