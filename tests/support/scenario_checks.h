// Scenario checks shared by the suites of both shard backends (SQLite and SlateDB).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "shardyfusion/reader.h"
#include "shardyfusion/writer.h"
#include "support/snapshot_env.h"

namespace shardyfusion::testing {

int64_t SumRows(const BuildResult& result);

// Every (storage key -> value) row of the shard at a winner's db_url, read by the backend.
using ShardRowsReader = std::function<std::map<std::string, std::string>(const std::string& db_url)>;

// Every key is in exactly the shard the router predicts, with its value, and nowhere else.
void ExpectPlacement(const BuildResult& result, const std::vector<Record>& rows, uint32_t num_dbs,
                     KeyEncoding encoding, const ShardRowsReader& read_shard);

// The run record of a successful build under env.root_url, with the default layout.
void ExpectSucceededRecord(const SnapshotEnv& env, const BuildResult& result);

// The refresh scenario: 32 rows `old-i` published, a reader opened, `new-i` republished;
// Refresh() is true and key 7 reads `new-7`, a second Refresh() is false, and a multi_get
// of every key plus a missing one reads the new snapshot.
void ExpectRefreshScenario(const std::function<BuildResult(const std::string& prefix)>& publish,
                           const ReaderOptions& options);

}  // namespace shardyfusion::testing
