// Which runs an old-run cleanup must keep (scenarios.md §4.3): the reference's retention
// intersection, plus the runs it forgot (live writers, runs referenced by shard URLs).
#include <algorithm>
#include <iterator>

#include "shardyfusion/cleanup.h"

namespace shardyfusion {
namespace {

std::set<std::string> Intersect(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::set<std::string> out;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::inserter(out, out.end()));
  return out;
}

}  // namespace

bool HasLiveLease(const RunRecord& record, Timestamp now) {
  return record.status == RunStatus::kRunning && record.lease_expires_at > now;
}

std::set<std::string> RunIdsReferencedBy(const ParsedManifest& manifest) {
  std::set<std::string> out{manifest.build.run_id};
  for (const auto& shard : manifest.shards) {
    if (!shard.db_url) continue;
    std::string id = RunIdFromRef(*shard.db_url);
    if (!id.empty()) out.insert(std::move(id));
  }
  return out;
}

ProtectedRuns ComputeProtectedRuns(const std::vector<ManifestRef>& history,
                                   const RunRetentionPolicy& policy,
                                   const std::set<std::string>& always,
                                   const std::vector<RunRecord>& records, Timestamp now) {
  std::vector<std::set<std::string>> criteria;
  if (policy.any_manifest) {
    std::set<std::string> s;
    for (const auto& ref : history) s.insert(ref.run_id);
    criteria.push_back(std::move(s));
  }
  if (policy.newer_than) {
    const Timestamp cutoff =
        now - std::chrono::duration_cast<std::chrono::microseconds>(*policy.newer_than);
    std::set<std::string> s;
    for (const auto& ref : history)
      if (ref.published_at >= cutoff) s.insert(ref.run_id);
    criteria.push_back(std::move(s));
  }
  if (policy.keep_last) {
    std::set<std::string> s;
    for (size_t i = 0; i < history.size() && i < *policy.keep_last; ++i)
      s.insert(history[i].run_id);
    criteria.push_back(std::move(s));
  }
  ProtectedRuns out;
  if (!criteria.empty()) {
    std::set<std::string> retained = criteria.front();
    for (size_t i = 1; i < criteria.size(); ++i) retained = Intersect(retained, criteria[i]);
    for (const auto& id : retained) {
      out.run_ids.insert(id);
      out.reasons.emplace_back(id, "retained manifest");
    }
  }
  for (const auto& id : always) {
    if (out.run_ids.insert(id).second) out.reasons.emplace_back(id, "current");
  }
  for (const auto& record : records) {
    if (HasLiveLease(record, now) && out.run_ids.insert(record.run_id).second)
      out.reasons.emplace_back(record.run_id, "live run record");
  }
  return out;
}

}  // namespace shardyfusion
