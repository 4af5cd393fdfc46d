// The SlateDB factories of a build that links the Rust bridge.
#include "slatedb/slatedb_factories.h"

#include "shardyfusion_slatedb.h"
#include "slatedb/local_slatedb_writer.h"
#include "slatedb/slatedb_shard_reader.h"
#include "slatedb/slatedb_shard_writer.h"

namespace shardyfusion {

bool SlateDbAvailable() { return true; }

SlateDbBridgeStats GetSlateDbBridgeStats() {
  sfs_stats_t s{};
  sfs_stats(&s);
  return {s.runtimes_live,   s.runtimes_created, s.clients_live,
          s.clients_created, s.writers_live,     s.readers_live};
}

std::shared_ptr<ShardWriterFactory> MakeSlateDbWriterFactory(
    const SlateDbWriteOptions& options, std::shared_ptr<StoreResolver> resolver) {
  if (options.local_then_upload)
    return std::make_shared<LocalSlateDbShardWriterFactory>(options, resolver);
  return std::make_shared<SlateDbShardWriterFactory>(options, resolver);
}

std::shared_ptr<ShardReaderFactory> MakeSlateDbReaderFactory(
    const SlateDbReadOptions& options, std::shared_ptr<StoreResolver> resolver) {
  return std::make_shared<SlateDbShardReaderFactory>(options, resolver);
}

}  // namespace shardyfusion
