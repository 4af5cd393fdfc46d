// Deferred cleanup of shard data (format.md §1.9, scenarios.md §4.3): stale attempt
// directories of a published run, and whole run trees no retained manifest references.
//
// Never deleted here: `_CURRENT`, manifests/, runs/ (run records), vector_meta/.  Every
// deletion is "every object under <prefix>/" (a trailing '/' is always added, so
// attempt=0 never matches attempt=01).  Unlike the reference, old-run cleanup also keeps
// runs whose run record is RUNNING with an unexpired lease (a writer may still be
// writing them) and every run a protected manifest's shard URLs point into.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shardyfusion/manifest.h"
#include "shardyfusion/run_registry.h"
#include "shardyfusion/time.h"

namespace shardyfusion {

class StoreResolver;

struct CleanupAction {
  enum class Kind { kStaleAttempt, kOldRun };
  Kind kind = Kind::kStaleAttempt;
  std::string prefix_url;         // no trailing '/'
  std::optional<uint32_t> db_id;  // stale attempts only
  std::string run_id;
  size_t objects_deleted = 0;  // dry run: the objects that would be deleted
};

std::string_view CleanupKindName(CleanupAction::Kind kind);  // "stale_attempt", "old_run"

struct CleanupOptions {
  bool dry_run = false;
  // Called after each prefix is handled (progress reporting); may be empty.
  std::function<void(const CleanupAction&)> on_action;
};

// Under each listed shard's db directory of the manifest's own run, deletes every
// sub-prefix other than the shard's db_url.  A shard whose db_url does not sit directly in
// that directory (hand-built manifests) is skipped, never guessed at.  Store errors
// propagate; actions done before the error are lost to the caller, so callers that need
// them should use on_action.
std::vector<CleanupAction> CleanupStaleAttempts(const ParsedManifest& manifest,
                                                StoreResolver& resolver,
                                                const CleanupOptions& options = {});

// Deletes every <root>/<shard_prefix>/run_id=<X>/ whose X is not in `protected_run_ids`.
// Segments not starting with run_id= are ignored.
std::vector<CleanupAction> CleanupOldRuns(const std::string& root_url,
                                          const std::string& shard_prefix,
                                          const std::set<std::string>& protected_run_ids,
                                          StoreResolver& resolver,
                                          const CleanupOptions& options = {});

// Which runs survive an old-run cleanup.  Each criterion that is set yields the set of run
// ids it keeps; the retained set is their intersection (the reference's rule).  With no
// criterion set nothing is retained by history (only the always-protected runs below).
struct RunRetentionPolicy {
  bool any_manifest = false;                       // runs that have any manifest
  std::optional<std::chrono::seconds> newer_than;  // a manifest published after now - d
  std::optional<size_t> keep_last;                 // runs of the N newest manifests
};

struct ProtectedRuns {
  std::set<std::string> run_ids;
  // run id -> why ("retained manifest", "current", "live run record", ...), for reports.
  std::vector<std::pair<std::string, std::string>> reasons;
};

// `history` newest first (ManifestStore::ListManifests).  `always` are the runs that must
// survive whatever the policy says (the cleaned manifest's run, `_CURRENT`'s run, runs its
// shard URLs point into).  `records` come from RunRegistry::ListRecords(): a RUNNING record
// whose lease_expires_at is after `now` protects its run.
ProtectedRuns ComputeProtectedRuns(const std::vector<ManifestRef>& history,
                                   const RunRetentionPolicy& policy,
                                   const std::set<std::string>& always,
                                   const std::vector<RunRecord>& records, Timestamp now);

// Run ids named by `run_id=<X>` segments of the manifest's shard URLs (and its own run).
std::set<std::string> RunIdsReferencedBy(const ParsedManifest& manifest);

// True when `record` is RUNNING and its lease has not expired at `now`.
bool HasLiveLease(const RunRecord& record, Timestamp now);

}  // namespace shardyfusion
