#include "sqlite/range_page_cache.h"

namespace shardyfusion::sqlite {

PageBuffer RangePageCache::Get(uint32_t pageno) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(pageno);
  if (it == entries_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second.lru_pos);
  return it->second.page;
}

void RangePageCache::Put(uint32_t pageno, PageBuffer page) {
  if (capacity_ == 0 || !page) return;
  std::lock_guard lock(mu_);
  auto it = entries_.find(pageno);
  if (it != entries_.end()) {
    it->second.page = std::move(page);
    lru_.splice(lru_.begin(), lru_, it->second.lru_pos);
    return;
  }
  lru_.push_front(pageno);
  entries_.emplace(pageno, Entry{std::move(page), lru_.begin()});
  while (entries_.size() > capacity_) {
    entries_.erase(lru_.back());
    lru_.pop_back();
  }
}

size_t RangePageCache::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

}  // namespace shardyfusion::sqlite
