#include "core/fd_limit.h"

#include <sys/resource.h>

#include <cerrno>

namespace shardyfusion::fd_limit {

Limits Current() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return {};
  return {static_cast<uint64_t>(lim.rlim_cur), static_cast<uint64_t>(lim.rlim_max)};
}

Limits EnsureAtLeast(uint64_t wanted) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return {};
  if (lim.rlim_cur != RLIM_INFINITY && lim.rlim_cur < wanted) {
    rlimit raised = lim;
    raised.rlim_cur = (lim.rlim_max == RLIM_INFINITY || lim.rlim_max > wanted) ? wanted : lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  return {static_cast<uint64_t>(lim.rlim_cur), static_cast<uint64_t>(lim.rlim_max)};
}

std::string TooManyFilesHint(int err) {
  if (err == ENFILE) return " (the system-wide open-file table is full)";
  if (err != EMFILE) return "";
  return " (the process may have " + std::to_string(Current().soft) +
         " files open; a reader in download mode keeps one open per shard: raise `ulimit -n` or read in range mode)";
}

}  // namespace shardyfusion::fd_limit
