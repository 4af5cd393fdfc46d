#include "writer/row_batch.h"

#include <algorithm>
#include <limits>

#include "shardyfusion/errors.h"

namespace shardyfusion {
namespace {

std::string_view KeyAt(const char* row) {
  std::string_view key, value;
  RowAt(row, &key, &value);
  return key;
}

}  // namespace

std::string BlockPool::Take() {
  {
    std::lock_guard lock(mu_);
    if (!spare_.empty()) {
      std::string block = std::move(spare_.back());
      spare_.pop_back();
      return block;
    }
  }
  std::string block;
  block.reserve(kBlockBytes);
  return block;
}

void BlockPool::Give(std::string&& block) {
  if (block.capacity() != kBlockBytes) return;  // oversized rows get blocks of their own
  block.clear();
  std::lock_guard lock(mu_);
  if (spare_.size() < max_blocks_) spare_.push_back(std::move(block));
}

RowBatch::RowBatch(RowBatch&& other) noexcept
    : pool_(other.pool_), blocks_(std::move(other.blocks_)), bytes_(other.bytes_), rows_(other.rows_) {
  other.blocks_.clear();
  other.bytes_ = other.rows_ = 0;
}

RowBatch& RowBatch::operator=(RowBatch&& other) noexcept {
  if (this != &other) {
    Release();
    pool_ = other.pool_;
    blocks_ = std::move(other.blocks_);
    bytes_ = other.bytes_;
    rows_ = other.rows_;
    other.blocks_.clear();
    other.bytes_ = other.rows_ = 0;
  }
  return *this;
}

void RowBatch::Release() {
  if (pool_)
    for (auto& block : blocks_) pool_->Give(std::move(block));
  blocks_.clear();
  bytes_ = rows_ = 0;
}

void RowBatch::Add(std::string_view key, std::string_view value) {
  constexpr size_t kMax = std::numeric_limits<uint32_t>::max();
  if (key.size() > kMax || value.size() > kMax)
    throw ShardWriteError("a row of " + std::to_string(key.size() + value.size()) +
                              " bytes is larger than a shard row can be (4 GiB per key or value)",
                          false);
  size_t need = 8 + key.size() + value.size();
  if (blocks_.empty() || blocks_.back().capacity() - blocks_.back().size() < need) {
    if (need <= BlockPool::kBlockBytes && pool_) {
      blocks_.push_back(pool_->Take());
    } else {
      blocks_.emplace_back();
      blocks_.back().reserve(std::max(BlockPool::kBlockBytes, need));
    }
  }
  std::string& block = blocks_.back();
  uint32_t lens[2] = {static_cast<uint32_t>(key.size()), static_cast<uint32_t>(value.size())};
  block.append(reinterpret_cast<const char*>(lens), sizeof lens);
  block.append(key);
  block.append(value);
  bytes_ += need;
  ++rows_;
}

void RowBatch::SortedRun(SortScratch& scratch) const {
  auto& entries = scratch.entries;
  entries.clear();
  std::string_view key, value;
  for (const auto& block : blocks_)
    for (size_t at = 0; at < block.size();) {
      const char* row = block.data() + at;
      at += RowAt(row, &key, &value);
      entries.push_back({KeyPrefix(key), row, entries.size()});
    }
  std::sort(entries.begin(), entries.end(), [](const SortEntry& a, const SortEntry& b) {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    int c = KeyAt(a.row).compare(KeyAt(b.row));
    return c != 0 ? c < 0 : a.order < b.order;
  });
  std::string& run = scratch.run;
  run.clear();
  run.reserve(bytes_);
  for (size_t i = 0; i < entries.size(); ++i) {
    const SortEntry& e = entries[i];
    size_t size = RowAt(e.row, &key, &value);
    if (i + 1 < entries.size() && entries[i + 1].prefix == e.prefix && KeyAt(entries[i + 1].row) == key)
      continue;  // a later row has the same key
    run.append(e.row, size);
  }
}

}  // namespace shardyfusion
