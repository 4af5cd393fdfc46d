#include "writer/row_batch.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "shardyfusion/errors.h"

namespace shardyfusion {
namespace {

// The first 8 key bytes as a big-endian number: most comparisons end here.
uint64_t Prefix(std::string_view key) {
  unsigned char b[8] = {};
  std::memcpy(b, key.data(), std::min<size_t>(8, key.size()));
  uint64_t v = 0;
  for (unsigned char c : b) v = (v << 8) | c;
  return v;
}

}  // namespace

void RowBatch::Add(std::string_view key, std::string_view value) {
  constexpr size_t kMax = std::numeric_limits<uint32_t>::max();
  if (key.size() > kMax || value.size() > kMax)
    throw ShardWriteError("a row of " + std::to_string(key.size() + value.size()) +
                              " bytes is larger than a shard row can be (4 GiB per key or value)",
                          false);
  uint32_t lens[2] = {static_cast<uint32_t>(key.size()), static_cast<uint32_t>(value.size())};
  size_t at = data_.size();
  data_.resize(at + sizeof lens + key.size() + value.size());
  char* p = data_.data() + at;
  std::memcpy(p, lens, sizeof lens);
  std::memcpy(p + sizeof lens, key.data(), key.size());
  std::memcpy(p + sizeof lens + key.size(), value.data(), value.size());
  ++rows_;
}

std::string RowBatch::SortedRun() const {
  struct Entry {
    uint64_t prefix;
    size_t offset;
  };
  std::vector<Entry> entries;
  entries.reserve(rows_);
  std::string_view key, value;
  for (size_t at = 0; at < data_.size();) {
    size_t size = RowAt(data_.data() + at, &key, &value);
    entries.push_back({Prefix(key), at});
    at += size;
  }
  auto key_at = [&](size_t at) {
    RowAt(data_.data() + at, &key, &value);
    return key;
  };
  // Ties on the key keep insertion order (offset), so the last duplicate is last.
  std::sort(entries.begin(), entries.end(), [&](const Entry& a, const Entry& b) {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    int c = key_at(a.offset).compare(key_at(b.offset));
    return c != 0 ? c < 0 : a.offset < b.offset;
  });
  std::string run;
  run.reserve(data_.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    size_t at = entries[i].offset;
    size_t size = RowAt(data_.data() + at, &key, &value);
    if (i + 1 < entries.size() && entries[i + 1].prefix == entries[i].prefix &&
        key_at(entries[i + 1].offset) == key_at(at))
      continue;  // a later row has the same key
    run.append(data_, at, size);
  }
  return run;
}

}  // namespace shardyfusion
