// cleanup (feature C-19; format.md §1.9; scenarios.md §4.3).  Always removes the stale
// attempts of the target manifest's run; with any old-run flag it also removes whole run
// trees outside the protected set.  Protected, beyond the reference: `_CURRENT`'s run
// (even when another manifest is pinned), runs the kept manifests' shard URLs point into,
// and runs whose run record is RUNNING with an unexpired lease.
#include <unistd.h>

#include <iostream>
#include <limits>
#include <memory>

#include "cli/cli_error.h"
#include "cli/commands.h"
#include "cli/duration.h"
#include "shardyfusion/cleanup.h"
#include "shardyfusion/errors.h"
#include "shardyfusion/run_registry.h"

namespace shardyfusion::cli {
namespace {

struct CleanupArgs {
  bool dry_run = false;
  bool include_old_runs = false;
  std::optional<std::string> older_than;
  std::optional<int64_t> keep_last;
  std::optional<int64_t> max_retries;
};

// A "\r"-rewritten progress line, only when someone is watching stderr.
class Progress {
 public:
  Progress() : tty_(::isatty(STDERR_FILENO) == 1) {}
  ~Progress() {
    if (tty_ && prefixes_ > 0) std::cerr << '\n';
  }
  void Add(const CleanupAction& action, bool dry_run) {
    ++prefixes_;
    objects_ += action.objects_deleted;
    if (tty_)
      std::cerr << "\rcleanup: " << prefixes_ << " prefixes, " << objects_ << " objects"
                << (dry_run ? " (dry run)" : " deleted") << std::flush;
  }

 private:
  bool tty_;
  size_t prefixes_ = 0;
  size_t objects_ = 0;
};

ParsedManifest LoadTarget(CliContext& ctx, const Pin& pin) {
  ManifestStore& store = ctx.manifest_store();
  if (pin.ref) return store.LoadManifest(*pin.ref);
  if (pin.offset) {
    auto history = store.ListManifests(*pin.offset + 1);
    if (history.size() <= *pin.offset)
      throw CommandError("offset " + std::to_string(*pin.offset) + " is out of range (" +
                         std::to_string(history.size()) + " manifests in history)");
    return store.LoadManifest(history[*pin.offset].ref);
  }
  auto current = store.LoadCurrent();
  if (!current)
    throw CommandError("no current snapshot: _CURRENT not found under " + ctx.root_url());
  return store.LoadManifest(current->ref);
}

// Runs `_CURRENT` needs, when a different manifest is being cleaned.
std::set<std::string> CurrentRuns(CliContext& ctx) {
  ManifestStore& store = ctx.manifest_store();
  auto current = store.LoadCurrent();
  if (!current) return {};
  try {
    return RunIdsReferencedBy(store.LoadManifest(current->ref));
  } catch (const ManifestParseError&) {
    return {current->run_id.empty() ? RunIdFromRef(current->ref) : current->run_id};
  }
}

Json ActionJson(const CleanupAction& a, bool stale) {
  Json j;
  if (stale)
    j["db_id"] = a.db_id ? Json(*a.db_id) : Json(nullptr);
  else
    j["run_id"] = a.run_id;
  j["prefix_url"] = a.prefix_url;
  j["objects_deleted"] = a.objects_deleted;
  return j;
}

}  // namespace

void AddCleanupCommand(CLI::App& app, CommandTable& table) {
  auto args = std::make_shared<CleanupArgs>();
  CLI::App* cleanup = app.add_subcommand("cleanup",
                                         "Delete stale shard attempts of the current (or pinned) "
                                         "manifest's run, and optionally old runs");
  cleanup->add_flag("--dry-run", args->dry_run, "Report what would be deleted; delete nothing");
  cleanup->add_flag("--include-old-runs", args->include_old_runs,
                    "Also delete runs that have no manifest in history");
  cleanup
      ->add_option("--older-than", args->older_than,
                   "Also delete runs with no manifest newer than this (7d, 24h)")
      ->type_name("DURATION");
  cleanup
      ->add_option("--keep-last", args->keep_last,
                   "Also delete runs not among the N newest manifests")
      ->type_name("N");
  cleanup->add_option("--max-retries", args->max_retries, "S3 retries per request during cleanup")
      ->type_name("N");
  cleanup->footer(
      "Old-run flags combine by intersection: a run survives only if every given flag keeps it.\n"
      "Example: shardy --current-url s3://bucket/prefix/_CURRENT cleanup --dry-run --keep-last 3");
  table.emplace_back(cleanup, [args](CliContext& ctx) {
    RunRetentionPolicy policy;
    policy.any_manifest = args->include_old_runs;
    if (args->older_than) policy.newer_than = ParseDuration(*args->older_than);
    if (args->keep_last) {
      if (*args->keep_last < 1) throw UsageError("--keep-last must be >= 1");
      policy.keep_last = static_cast<size_t>(*args->keep_last);
    }
    if (args->max_retries) {
      if (*args->max_retries < 0) throw UsageError("--max-retries must be >= 0");
      ctx.AddS3Option("max_attempts=" + std::to_string(*args->max_retries + 1));
    }
    const bool old_runs = policy.any_manifest || policy.newer_than || policy.keep_last;
    const Pin pin = ctx.global_pin();
    ParsedManifest manifest = LoadTarget(ctx, pin);
    StoreResolver& resolver = *ctx.resolver();
    const std::string& root = manifest.build.s3_prefix;

    // Fail closed: without the run records we cannot tell live writers from dead ones.
    std::vector<RunRecord> records;
    for (auto& [ref, record] : MakeObjectRunRegistry(resolver, root)->ListRecords())
      records.push_back(std::move(record));
    const Timestamp now = Now();

    Progress progress;
    CleanupOptions options;
    options.dry_run = args->dry_run;
    options.on_action = [&](const CleanupAction& a) { progress.Add(a, args->dry_run); };

    Json result;
    result["op"] = "cleanup";
    result["dry_run"] = args->dry_run;
    result["run_id"] = manifest.build.run_id;
    Json skipped = Json::array();
    std::vector<CleanupAction> stale;
    bool run_is_live = false;
    for (const auto& r : records)
      run_is_live |= r.run_id == manifest.build.run_id && HasLiveLease(r, now);
    if (run_is_live) {
      skipped.push_back({{"run_id", manifest.build.run_id},
                         {"reason", "run record is RUNNING with a live lease"}});
    } else {
      stale = CleanupStaleAttempts(manifest, resolver, options);
    }
    std::vector<CleanupAction> old;
    Json live_kept = Json::array();
    Json protected_runs = Json::array();
    if (old_runs) {
      std::set<std::string> always = RunIdsReferencedBy(manifest);
      for (auto& id : CurrentRuns(ctx)) always.insert(id);
      auto history = ctx.manifest_store().ListManifests(std::numeric_limits<size_t>::max());
      ProtectedRuns keep = ComputeProtectedRuns(history, policy, always, records, now);
      for (const auto& [id, reason] : keep.reasons) {
        protected_runs.push_back({{"run_id", id}, {"reason", reason}});
        if (reason == "live run record") live_kept.push_back(id);
      }
      old = CleanupOldRuns(root, manifest.build.shard_prefix, keep.run_ids, resolver, options);
    }

    size_t objects = 0;
    Json stale_json = Json::array();
    for (const auto& a : stale) {
      objects += a.objects_deleted;
      stale_json.push_back(ActionJson(a, true));
    }
    result["stale_attempts"] = std::move(stale_json);
    if (old_runs) {
      Json old_json = Json::array();
      for (const auto& a : old) {
        objects += a.objects_deleted;
        old_json.push_back(ActionJson(a, false));
      }
      result["old_runs"] = std::move(old_json);
      result["protected_runs"] = std::move(protected_runs);
      result["live_runs_kept"] = std::move(live_kept);
    }
    if (!skipped.empty()) result["skipped"] = std::move(skipped);
    result["total_objects_deleted"] = objects;
    result["total_prefixes_removed"] = stale.size() + old.size();
    ctx.Emit(result);
    return kExitOk;
  });
}

}  // namespace shardyfusion::cli
