#include "shardyfusion/shard_backend.h"

#include "shardyfusion/errors.h"

namespace shardyfusion {

const char* ShardBackendName(ShardBackend backend) {
  return backend == ShardBackend::kSlateDb ? "slatedb" : "sqlite";
}

ShardBackend ParseShardBackend(std::string_view name, std::string_view field) {
  if (name == "sqlite") return ShardBackend::kSqlite;
  if (name == "slatedb") return ShardBackend::kSlateDb;
  throw ConfigValidationError(std::string(field) + "='" + std::string(name) +
                              "' is not one of 'sqlite', 'slatedb'");
}

}  // namespace shardyfusion
