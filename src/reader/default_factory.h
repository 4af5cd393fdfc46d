// The shard reader factory a reader uses when the caller gives none: by options.backend
// (SlateDB, or SQLite by sqlite_mode).
#pragma once

#include <memory>

#include "reader/shard_reader.h"
#include "shardyfusion/reader.h"

namespace shardyfusion {

std::shared_ptr<ShardReaderFactory> MakeDefaultReaderFactory(const ReaderOptions& options,
                                                             std::shared_ptr<StoreResolver> resolver);
std::shared_ptr<ShardReaderFactory> MakeSqliteReaderFactory(const ReaderOptions& options,
                                                            std::shared_ptr<StoreResolver> resolver);

}  // namespace shardyfusion
