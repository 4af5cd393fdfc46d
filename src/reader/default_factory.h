// The SQLite shard reader factory a reader uses when the caller gives none.
#pragma once

#include <memory>

#include "reader/shard_reader.h"
#include "shardyfusion/reader.h"

namespace shardyfusion {

std::shared_ptr<ShardReaderFactory> MakeSqliteReaderFactory(const ReaderOptions& options,
                                                            std::shared_ptr<StoreResolver> resolver);

}  // namespace shardyfusion
