// The process's open-file limit (RLIMIT_NOFILE).  A reader in download mode keeps one
// SQLite file open per shard (per pooled connection), and during a refresh the old and the
// new snapshot are open together, so 1,000 shards pass the common soft limit of 1,024.
// Readers raise the soft limit toward the hard one when a snapshot needs it (as the Go
// runtime does at start; only ever upwards), and "too many open files" errors name the limit.
#pragma once

#include <cstdint>
#include <string>

namespace shardyfusion::fd_limit {

struct Limits {
  uint64_t soft = 0;
  uint64_t hard = 0;
};

Limits Current();

// Raises the soft limit to at least `wanted`, capped at the hard limit, and returns the
// limits in force afterwards.  Never lowers it.
Limits EnsureAtLeast(uint64_t wanted);

// For EMFILE / ENFILE: " (the process may have N files open: ...raise `ulimit -n`...)";
// "" for any other errno.
std::string TooManyFilesHint(int err);

}  // namespace shardyfusion::fd_limit
