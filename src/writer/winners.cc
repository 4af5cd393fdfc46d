// Winner selection (format.md §6.2) and the shard attempt URL (§1.3).
#include <algorithm>
#include <climits>
#include <cstdio>
#include <map>
#include <set>

#include "shardyfusion/errors.h"
#include "shardyfusion/url.h"
#include "shardyfusion/writer.h"

namespace shardyfusion {

WinnerSelection SelectWinners(const std::vector<ShardAttemptResult>& results, uint32_t num_dbs) {
  auto order = [](const ShardAttemptResult* a) {
    const auto& m = a->meta;
    return std::make_tuple(m.attempt, m.writer_info.task_attempt_id.value_or(INT64_MAX),
                           m.db_url.value_or(""));
  };
  std::map<uint32_t, const ShardAttemptResult*> best;
  std::set<std::string> all_urls;
  for (const auto& r : results) {
    if (r.meta.db_id >= num_dbs)
      throw ShardCoverageError("shard db_id " + std::to_string(r.meta.db_id) +
                               " is outside [0, " + std::to_string(num_dbs) + ")");
    for (const auto& url : r.all_attempt_urls) all_urls.insert(url);
    if (r.meta.db_url) all_urls.insert(*r.meta.db_url);
    auto [it, inserted] = best.try_emplace(r.meta.db_id, &r);
    if (!inserted && order(&r) < order(it->second)) it->second = &r;
  }
  WinnerSelection out;
  for (const auto& [db_id, r] : best) {
    if (!r->meta.db_url) continue;  // empty shard: absent from the manifest
    all_urls.erase(*r->meta.db_url);
    out.winners.push_back(r->meta);
  }
  out.loser_urls.assign(all_urls.begin(), all_urls.end());
  return out;
}

std::string ShardAttemptUrl(const std::string& root, const std::string& shard_prefix,
                            const std::string& run_id, const std::string& db_path_template,
                            uint32_t db_id, int attempt) {
  char attempt_dir[32];
  std::snprintf(attempt_dir, sizeof attempt_dir, "attempt=%02d", attempt);
  return JoinUrl(root, {shard_prefix, "run_id=" + run_id, FormatDbPath(db_path_template, db_id),
                        attempt_dir});
}

}  // namespace shardyfusion
