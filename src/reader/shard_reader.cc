#include "reader/shard_reader.h"

#include "shardyfusion/errors.h"

namespace shardyfusion {

std::vector<std::optional<std::string>> ShardReader::MultiGet(std::span<const std::string> keys) {
  std::vector<std::optional<std::string>> out;
  out.reserve(keys.size());
  for (const auto& k : keys) out.push_back(Get(k));
  return out;
}

std::vector<std::pair<std::string, std::string>> ShardReader::ScanChunk(const std::optional<std::string>&,
                                                                        const std::optional<std::string>&, size_t) {
  throw DbAdapterError("range scans are supported on SlateDB shards only, not on this shard's backend (SQLite or a custom reader)");
}

}  // namespace shardyfusion
