// Stale-attempt and old-run deletion (format.md §1.9 items 2 and 3).
#include "writer/cleanup.h"

#include "shardyfusion/cleanup.h"
#include "shardyfusion/errors.h"
#include "shardyfusion/observability.h"
#include "shardyfusion/store_resolver.h"
#include "shardyfusion/url.h"

namespace shardyfusion {
namespace cleanup_internal {

size_t DeleteOrCount(ObjectStore& store, const std::string& key, bool dry_run) {
  std::string dir = TrimSlash(key) + "/";
  if (dry_run) return ListAllObjects(store, dir).size();
  return store.DeletePrefix(dir);
}

std::string TrimSlash(std::string key) {
  while (!key.empty() && key.back() == '/') key.pop_back();
  return key;
}

}  // namespace cleanup_internal

using cleanup_internal::DeleteOrCount;
using cleanup_internal::TrimSlash;

std::string_view CleanupKindName(CleanupAction::Kind kind) {
  return kind == CleanupAction::Kind::kStaleAttempt ? "stale_attempt" : "old_run";
}

std::vector<CleanupAction> CleanupStaleAttempts(const ParsedManifest& manifest,
                                                StoreResolver& resolver,
                                                const CleanupOptions& options) {
  const RequiredBuildMeta& b = manifest.build;
  std::vector<CleanupAction> actions;
  for (const RequiredShardMeta& shard : manifest.shards) {
    if (!shard.db_url || shard.db_url->empty()) continue;
    const std::string dir_url = JoinUrl(
        b.s3_prefix,
        {b.shard_prefix, "run_id=" + b.run_id, FormatDbPath(b.db_path_template, shard.db_id)});
    auto dir = resolver.Resolve(dir_url);
    auto winner = resolver.Resolve(*shard.db_url);
    const std::string dir_key = TrimSlash(dir.key);
    const std::string winner_key = TrimSlash(winner.key);
    // The winner must be a direct child of the directory we would empty; anything else
    // means a layout we do not understand, and guessing could delete live data.
    const bool direct_child = winner.store == dir.store && winner_key.size() > dir_key.size() + 1 &&
                              winner_key.compare(0, dir_key.size() + 1, dir_key + "/") == 0 &&
                              winner_key.find('/', dir_key.size() + 1) == std::string::npos;
    if (!direct_child) {
      LogEvent(
          LogLevel::kWarning, "stale_attempt_cleanup_skipped",
          {{"db_id", std::to_string(shard.db_id)}, {"db_url", *shard.db_url}, {"dir", dir_url}});
      continue;
    }
    for (const std::string& prefix : ListAllCommonPrefixes(*dir.store, dir_key + "/")) {
      const std::string child = TrimSlash(prefix);
      if (child == winner_key) continue;
      CleanupAction action;
      action.kind = CleanupAction::Kind::kStaleAttempt;
      action.prefix_url = dir.store->UrlFor(child);
      action.db_id = shard.db_id;
      action.run_id = b.run_id;
      action.objects_deleted = DeleteOrCount(*dir.store, child, options.dry_run);
      if (options.on_action) options.on_action(action);
      actions.push_back(std::move(action));
    }
  }
  return actions;
}

std::vector<CleanupAction> CleanupOldRuns(const std::string& root_url,
                                          const std::string& shard_prefix,
                                          const std::set<std::string>& protected_run_ids,
                                          StoreResolver& resolver, const CleanupOptions& options) {
  ValidatePathSegment(shard_prefix, "shard_prefix");
  auto shards = resolver.Resolve(JoinUrl(root_url, {shard_prefix}));
  const std::string base = TrimSlash(shards.key) + "/";
  constexpr std::string_view kRunSegment = "run_id=";
  std::vector<CleanupAction> actions;
  for (const std::string& prefix : ListAllCommonPrefixes(*shards.store, base)) {
    std::string segment = TrimSlash(prefix.substr(base.size()));
    if (segment.compare(0, kRunSegment.size(), kRunSegment) != 0) continue;
    std::string run_id = segment.substr(kRunSegment.size());
    if (run_id.empty() || protected_run_ids.count(run_id)) continue;
    CleanupAction action;
    action.kind = CleanupAction::Kind::kOldRun;
    action.prefix_url = shards.store->UrlFor(TrimSlash(prefix));
    action.run_id = run_id;
    action.objects_deleted = DeleteOrCount(*shards.store, prefix, options.dry_run);
    if (options.on_action) options.on_action(action);
    actions.push_back(std::move(action));
  }
  return actions;
}

}  // namespace shardyfusion
