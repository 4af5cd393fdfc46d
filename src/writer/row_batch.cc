#include "writer/row_batch.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "shardyfusion/errors.h"

namespace shardyfusion {
namespace {

constexpr size_t kBlockBytes = 256 << 10;

std::string_view KeyAt(const char* row) {
  std::string_view key, value;
  RowAt(row, &key, &value);
  return key;
}

}  // namespace

void RowBatch::Add(std::string_view key, std::string_view value) {
  constexpr size_t kMax = std::numeric_limits<uint32_t>::max();
  if (key.size() > kMax || value.size() > kMax)
    throw ShardWriteError("a row of " + std::to_string(key.size() + value.size()) +
                              " bytes is larger than a shard row can be (4 GiB per key or value)",
                          false);
  size_t need = 8 + key.size() + value.size();
  if (blocks_.empty() || blocks_.back().capacity() - blocks_.back().size() < need) {
    blocks_.emplace_back();
    blocks_.back().reserve(std::max(kBlockBytes, need));
  }
  std::string& block = blocks_.back();
  uint32_t lens[2] = {static_cast<uint32_t>(key.size()), static_cast<uint32_t>(value.size())};
  block.append(reinterpret_cast<const char*>(lens), sizeof lens);
  block.append(key);
  block.append(value);
  bytes_ += need;
  ++rows_;
}

void RowBatch::SortedRun(std::string& run) const {
  struct Entry {
    uint64_t prefix;
    const char* row;
    size_t order;  // insertion order: ties keep it, so the last duplicate sorts last
  };
  std::vector<Entry> entries;
  entries.reserve(rows_);
  std::string_view key, value;
  for (const auto& block : blocks_)
    for (size_t at = 0; at < block.size();) {
      const char* row = block.data() + at;
      at += RowAt(row, &key, &value);
      entries.push_back({KeyPrefix(key), row, entries.size()});
    }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    int c = KeyAt(a.row).compare(KeyAt(b.row));
    return c != 0 ? c < 0 : a.order < b.order;
  });
  run.clear();
  run.reserve(bytes_);
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    size_t size = RowAt(e.row, &key, &value);
    if (i + 1 < entries.size() && entries[i + 1].prefix == e.prefix && KeyAt(entries[i + 1].row) == key)
      continue;  // a later row has the same key
    run.append(e.row, size);
  }
}

}  // namespace shardyfusion
