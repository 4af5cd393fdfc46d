#include "reader/shard_reader.h"

namespace shardyfusion {

std::vector<std::optional<std::string>> ShardReader::MultiGet(std::span<const std::string> keys) {
  std::vector<std::optional<std::string>> out;
  out.reserve(keys.size());
  for (const auto& k : keys) out.push_back(Get(k));
  return out;
}

}  // namespace shardyfusion
