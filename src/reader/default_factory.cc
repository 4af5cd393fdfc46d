#include "reader/default_factory.h"

#include "slatedb/slatedb_factories.h"
#include "sqlite/adaptive_reader_factory.h"

namespace shardyfusion {

std::shared_ptr<ShardReaderFactory> MakeDefaultReaderFactory(const ReaderOptions& options,
                                                             std::shared_ptr<StoreResolver> resolver) {
  if (options.backend == ShardBackend::kSlateDb) return MakeSlateDbReaderFactory(options.slatedb, resolver);
  return MakeSqliteReaderFactory(options, std::move(resolver));
}

std::shared_ptr<ShardReaderFactory> MakeSqliteReaderFactory(const ReaderOptions& options,
                                                            std::shared_ptr<StoreResolver> resolver) {
  switch (options.sqlite_mode) {
    case SqliteReadMode::kDownload: {
      SqliteDownloadReaderOptions download;
      download.resolver = resolver;
      download.keep_previous_version = options.sqlite_keep_previous_version;
      return std::make_shared<SqliteDownloadReaderFactory>(download);
    }
    case SqliteReadMode::kRange: {
      SqliteRangeReaderOptions range;
      range.resolver = resolver;
      return std::make_shared<SqliteRangeReaderFactory>(range);
    }
    case SqliteReadMode::kAuto:
      break;
  }
  AdaptiveSqliteReaderOptions adaptive;
  adaptive.resolver = resolver;
  adaptive.download.keep_previous_version = options.sqlite_keep_previous_version;
  adaptive.per_shard_threshold = options.sqlite_auto_per_shard_bytes;
  adaptive.total_budget = options.sqlite_auto_total_bytes;
  return std::make_shared<AdaptiveSqliteReaderFactory>(adaptive);
}

}  // namespace shardyfusion
