// Compiled instead of the bridge when the build has no SlateDB backend (no cargo).
#include "shardyfusion/errors.h"
#include "slatedb/slatedb_factories.h"

namespace shardyfusion {
namespace {

[[noreturn]] void Unavailable() {
  throw ConfigValidationError(
      "backend='slatedb' is not available: this build has no SlateDB bridge "
      "(cargo was not found when it was configured, or SHARDY_WITH_SLATEDB=OFF)");
}

}  // namespace

bool SlateDbAvailable() { return false; }
SlateDbBridgeStats GetSlateDbBridgeStats() { return {}; }

std::shared_ptr<ShardWriterFactory> MakeSlateDbWriterFactory(const SlateDbWriteOptions&,
                                                             std::shared_ptr<StoreResolver>) {
  Unavailable();
}

std::shared_ptr<ShardReaderFactory> MakeSlateDbReaderFactory(const SlateDbReadOptions&,
                                                             std::shared_ptr<StoreResolver>) {
  Unavailable();
}

}  // namespace shardyfusion
