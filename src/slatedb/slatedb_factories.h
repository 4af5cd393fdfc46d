// Factories for SlateDB shards, the only way the rest of the library reaches the backend:
// builds without the Rust bridge get ConfigValidationError from these (slatedb_disabled.cc).
#pragma once

#include <cstdint>
#include <memory>

#include "reader/shard_reader.h"
#include "shardyfusion/shard_backend.h"
#include "shardyfusion/store_resolver.h"
#include "writer/shard_writer.h"

namespace shardyfusion {

std::shared_ptr<ShardWriterFactory> MakeSlateDbWriterFactory(
    const SlateDbWriteOptions& options, std::shared_ptr<StoreResolver> resolver);
std::shared_ptr<ShardReaderFactory> MakeSlateDbReaderFactory(
    const SlateDbReadOptions& options, std::shared_ptr<StoreResolver> resolver);

// Process-wide counters of the Rust bridge (all zero in builds without it): shards share
// one runtime and one object-store client per store, released when the last one closes.
struct SlateDbBridgeStats {
  uint64_t runtimes_live = 0, runtimes_created = 0;
  uint64_t clients_live = 0, clients_created = 0;
  uint64_t writers_live = 0, readers_live = 0;
};
SlateDbBridgeStats GetSlateDbBridgeStats();

}  // namespace shardyfusion
