// shardy cleanup (format.md §1.9, scenarios.md §4.3): stale attempts and old runs are
// deleted, winners / retained runs / live runs never are, and --dry-run deletes nothing.
// Runs against a local directory and moto S3.
#include <gtest/gtest.h>

#include "cli_harness.h"
#include "shardyfusion/cleanup.h"
#include "shardyfusion/run_registry.h"
#include "shardyfusion/url.h"

namespace shardyfusion {
namespace {

using testing::CliResult;
using testing::CliSnapshot;

class CliCleanup : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (testing::CliPath().empty()) GTEST_SKIP() << "shardy was not built";
    snap_ = CliSnapshot::Make(GetParam());
    if (!snap_) GTEST_SKIP() << "no S3 server available";
    for (const char* run : {"a", "b", "c"})
      builds_.push_back(snap_->Build(snap_->WriteJsonl(std::string(run) + ".jsonl", 30, run), 2,
                                     {"--run-id", std::string("run-") + run}));
    auto root = snap_->Resolve(snap_->root);
    store_ = root.store;
    root_key_ = root.key;
    while (!root_key_.empty() && root_key_.back() == '/') root_key_.pop_back();
  }

  std::string ShardsKey(const std::string& rest) { return root_key_ + "/shards/" + rest; }

  void Put(const std::string& key) { store_->Put(key, "junk"); }

  size_t Count(const std::string& key_prefix) { return ListAllObjects(*store_, key_prefix).size(); }

  // A run that exists only as shard data, optionally with a run record.
  void FakeRun(const std::string& run_id, std::optional<RunStatus> status,
               std::chrono::seconds lease_from_now, bool with_data = true) {
    if (with_data) {
      Put(ShardsKey("run_id=" + run_id + "/db=00000/attempt=00/shard.db"));
      Put(ShardsKey("run_id=" + run_id + "/db=00001/attempt=00/shard.db"));
    }
    if (!status) return;
    RunRecord record;
    record.run_id = run_id;
    record.status = *status;
    record.started_at = record.updated_at = Now();
    record.lease_expires_at =
        Now() + std::chrono::duration_cast<std::chrono::microseconds>(lease_from_now);
    record.s3_prefix = snap_->root;
    MakeObjectRunRegistry(*snap_->resolver, snap_->root)->Create(record);
  }

  // Winner db_url of shard 0 of the current run, as a store key.
  std::string WinnerKey(const nlohmann::json& build) {
    return ShardsKey("run_id=" + build["run_id"].get<std::string>() + "/db=00000/attempt=00");
  }

  std::unique_ptr<CliSnapshot> snap_;
  std::vector<nlohmann::json> builds_;
  std::shared_ptr<ObjectStore> store_;
  std::string root_key_;
};

TEST_P(CliCleanup, StaleAttemptsOnlyByDefault) {
  Put(ShardsKey("run_id=run-c/db=00000/attempt=01/shard.db"));
  Put(ShardsKey("run_id=run-c/db=00000/attempt=02/shard.db"));
  Put(ShardsKey("run_id=run-c/db=00000/attempt=02/shard.sidecar"));
  const size_t winner_objects = Count(WinnerKey(builds_[2]) + "/");
  ASSERT_GT(winner_objects, 0u);

  CliResult dry = snap_->Run({"cleanup", "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  auto d = dry.Json();
  EXPECT_EQ(d["op"], "cleanup");
  EXPECT_EQ(d["dry_run"], true);
  EXPECT_EQ(d["run_id"], "run-c");
  ASSERT_EQ(d["stale_attempts"].size(), 2u) << dry.out;
  EXPECT_EQ(d["total_objects_deleted"], 3);
  EXPECT_FALSE(d.contains("old_runs"));
  EXPECT_EQ(Count(ShardsKey("run_id=run-c/db=00000/attempt=02/")), 2u);  // nothing deleted

  CliResult real = snap_->Run({"cleanup"});
  ASSERT_EQ(real.exit_code, 0) << real.err;
  auto r = real.Json();
  EXPECT_EQ(r["dry_run"], false);
  EXPECT_EQ(r["total_prefixes_removed"], 2);
  EXPECT_EQ(r["total_objects_deleted"], 3);
  EXPECT_EQ(Count(ShardsKey("run_id=run-c/db=00000/attempt=01/")), 0u);
  EXPECT_EQ(Count(ShardsKey("run_id=run-c/db=00000/attempt=02/")), 0u);
  EXPECT_EQ(Count(WinnerKey(builds_[2]) + "/"), winner_objects);
  EXPECT_GT(Count(ShardsKey("run_id=run-a/")), 0u);  // old runs untouched without the flags
  CliResult get = snap_->Run({"--value-encoding", "utf8", "get", "3"});
  EXPECT_EQ(get.Json()["value"], "c-3");
}

TEST_P(CliCleanup, OldRunsKeepRetainedCurrentAndLiveRuns) {
  FakeRun("orphan", std::nullopt, std::chrono::seconds(0));
  FakeRun("live", RunStatus::kRunning, std::chrono::seconds(600));
  FakeRun("dead", RunStatus::kRunning, std::chrono::seconds(-60));
  FakeRun("failed", RunStatus::kFailed, std::chrono::seconds(0));
  const size_t runs_before = Count(root_key_ + "/runs/");

  CliResult dry = snap_->Run({"cleanup", "--dry-run", "--keep-last", "2"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  auto d = dry.Json();
  std::set<std::string> doomed;
  for (const auto& o : d["old_runs"]) doomed.insert(o["run_id"]);
  EXPECT_EQ(doomed, (std::set<std::string>{"run-a", "orphan", "dead", "failed"})) << dry.out;
  ASSERT_EQ(d["live_runs_kept"].size(), 1u);
  EXPECT_EQ(d["live_runs_kept"][0], "live");
  EXPECT_GT(Count(ShardsKey("run_id=run-a/")), 0u);  // dry run deleted nothing
  EXPECT_GT(Count(ShardsKey("run_id=dead/")), 0u);

  CliResult real = snap_->Run({"cleanup", "--keep-last", "2"});
  ASSERT_EQ(real.exit_code, 0) << real.err;
  for (const char* gone : {"run-a", "orphan", "dead", "failed"})
    EXPECT_EQ(Count(ShardsKey(std::string("run_id=") + gone + "/")), 0u) << gone;
  for (const char* kept : {"run-b", "run-c", "live"})
    EXPECT_GT(Count(ShardsKey(std::string("run_id=") + kept + "/")), 0u) << kept;
  // Manifests and run records are never deleted.
  CliResult history = snap_->Run({"history"});
  EXPECT_EQ(history.Json()["manifests"].size(), 3u);
  EXPECT_EQ(Count(root_key_ + "/runs/"), runs_before);
  EXPECT_EQ(snap_->Run({"--offset", "1", "get", "1"}).exit_code, 0);  // run-b still readable
}

TEST_P(CliCleanup, CurrentRunSurvivesPinnedCleanupAndIntersection) {
  // _CURRENT -> run-a after a rollback; cleaning with --offset 0 (run-c) must keep run-a.
  ASSERT_EQ(snap_->Run({"rollback", "--offset", "2"}).exit_code, 0);
  CliResult r = snap_->Run({"--offset", "0", "cleanup", "--keep-last", "1", "--older-than", "7d"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json result = r.Json();
  EXPECT_EQ(result["run_id"], "run-c");
  std::set<std::string> doomed;
  for (const auto& o : result["old_runs"]) doomed.insert(o["run_id"]);
  // keep-last 1 ∩ older-than 7d = {run-c}; run-a is protected as _CURRENT's run.
  EXPECT_EQ(doomed, (std::set<std::string>{"run-b"})) << r.out;
  EXPECT_GT(Count(ShardsKey("run_id=run-a/")), 0u);
  EXPECT_EQ(snap_->Run({"get", "1"}).exit_code, 0);

  CliResult bad = snap_->Run({"cleanup", "--older-than", "soon"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.ErrLines().size(), 1u);
  EXPECT_EQ(snap_->Run({"cleanup", "--keep-last", "0"}).exit_code, 2);
}

TEST_P(CliCleanup, LiveRunOfTheManifestIsNotTouched) {
  // A writer reusing the current run id is still running: its attempt dirs stay.
  FakeRun("run-c", RunStatus::kRunning, std::chrono::seconds(600), /*with_data=*/false);
  Put(ShardsKey("run_id=run-c/db=00000/attempt=05/shard.db"));
  CliResult r = snap_->Run({"cleanup"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.Json()["stale_attempts"].size(), 0u);
  ASSERT_TRUE(r.Json().contains("skipped"));
  EXPECT_EQ(Count(ShardsKey("run_id=run-c/db=00000/attempt=05/")), 1u);
}

INSTANTIATE_TEST_SUITE_P(Stores, CliCleanup, ::testing::ValuesIn(testing::SnapshotKinds()),
                         [](const auto& info) { return info.param; });

// The library-level protection rule, without a CLI in between.
TEST(CleanupPolicy, IntersectionPlusAlwaysPlusLiveLeases) {
  const Timestamp now = Now();
  std::vector<ManifestRef> history{{"r3", "c", now - std::chrono::hours(1)},
                                   {"r2", "b", now - std::chrono::hours(24 * 10)},
                                   {"r1", "a", now - std::chrono::hours(24 * 20)}};
  RunRecord live;
  live.run_id = "w";
  live.status = RunStatus::kRunning;
  live.lease_expires_at = now + std::chrono::minutes(5);
  RunRecord expired = live;
  expired.run_id = "x";
  expired.lease_expires_at = now - std::chrono::minutes(5);
  RunRecord done = live;
  done.run_id = "y";
  done.status = RunStatus::kSucceeded;

  RunRetentionPolicy policy;
  policy.keep_last = 2;
  policy.newer_than = std::chrono::hours(24 * 7);
  auto kept = ComputeProtectedRuns(history, policy, {"a"}, {live, expired, done}, now);
  EXPECT_EQ(kept.run_ids, (std::set<std::string>{"c", "a", "w"}));

  RunRetentionPolicy any;
  any.any_manifest = true;
  EXPECT_EQ(ComputeProtectedRuns(history, any, {}, {}, now).run_ids,
            (std::set<std::string>{"a", "b", "c"}));
  EXPECT_EQ(ComputeProtectedRuns(history, {}, {"z"}, {}, now).run_ids,
            (std::set<std::string>{"z"}));
  EXPECT_TRUE(HasLiveLease(live, now));
  EXPECT_FALSE(HasLiveLease(expired, now));
  EXPECT_FALSE(HasLiveLease(done, now));
}

}  // namespace
}  // namespace shardyfusion

namespace shardyfusion {
namespace {

// The library functions on an in-memory store with a hand-built manifest: exact prefixes
// (attempt=01 is not attempt=010), layouts it does not understand are left alone.
TEST(CleanupLibrary, StaleAttemptsAndOldRunsOnMemoryStore) {
  StoreResolver resolver;
  auto store = MakeMemoryObjectStore("cleanup");
  resolver.Register("mem", "cleanup", store);
  for (const char* key : {"root/shards/run_id=r1/db=00000/attempt=00/shard.db",
                          "root/shards/run_id=r1/db=00000/attempt=01/shard.db",
                          "root/shards/run_id=r1/db=00000/attempt=010/shard.db",
                          "root/shards/run_id=r1/db=00001/attempt=00/shard.db",
                          "root/shards/run_id=r1/db=00001/attempt=03/shard.db",
                          "root/shards/run_id=r2/db=00000/attempt=00/shard.db",
                          "root/shards/run_id=r3/db=00000/attempt=00/a",
                          "root/shards/run_id=r3/db=00000/attempt=00/b", "root/shards/notarun/x",
                          "root/manifests/m/manifest", "root/runs/r/run.yaml"})
    store->Put(key, "x");
  ParsedManifest manifest;
  manifest.build.run_id = "r1";
  manifest.build.num_dbs = 2;
  manifest.build.s3_prefix = "mem://cleanup/root/";
  RequiredShardMeta winner;
  winner.db_id = 0;
  winner.db_url = "mem://cleanup/root/shards/run_id=r1/db=00000/attempt=01";
  RequiredShardMeta elsewhere;
  elsewhere.db_id = 1;
  elsewhere.db_url = "mem://cleanup/copied/db1";  // not under the run's db directory
  manifest.shards = {winner, elsewhere};

  CleanupOptions dry;
  dry.dry_run = true;
  auto preview = CleanupStaleAttempts(manifest, resolver, dry);
  ASSERT_EQ(preview.size(), 2u);
  EXPECT_EQ(ListAllObjects(*store, "root/").size(), 11u);

  size_t reported = 0;
  CleanupOptions real;
  real.on_action = [&](const CleanupAction&) { ++reported; };
  auto stale = CleanupStaleAttempts(manifest, resolver, real);
  ASSERT_EQ(stale.size(), 2u);
  EXPECT_EQ(reported, 2u);
  EXPECT_EQ(stale[0].prefix_url, "mem://cleanup/root/shards/run_id=r1/db=00000/attempt=00");
  EXPECT_EQ(stale[1].prefix_url, "mem://cleanup/root/shards/run_id=r1/db=00000/attempt=010");
  EXPECT_EQ(stale[0].kind, CleanupAction::Kind::kStaleAttempt);
  EXPECT_EQ(stale[0].db_id, 0u);
  EXPECT_EQ(stale[0].objects_deleted, 1u);
  EXPECT_TRUE(store->Get("root/shards/run_id=r1/db=00000/attempt=01/shard.db"));
  EXPECT_TRUE(store->Get("root/shards/run_id=r1/db=00001/attempt=03/shard.db"));  // skipped shard

  auto old = CleanupOldRuns("mem://cleanup/root", "shards", {"r1"}, resolver);
  ASSERT_EQ(old.size(), 2u);
  EXPECT_EQ(old[0].run_id, "r2");
  EXPECT_EQ(old[1].run_id, "r3");
  EXPECT_EQ(old[1].objects_deleted, 2u);
  EXPECT_EQ(CleanupKindName(old[0].kind), "old_run");
  EXPECT_TRUE(store->Get("root/shards/notarun/x"));
  EXPECT_TRUE(store->Get("root/manifests/m/manifest"));
  EXPECT_TRUE(store->Get("root/runs/r/run.yaml"));
  EXPECT_EQ(ListAllObjects(*store, "root/shards/run_id=r2/").size(), 0u);
  EXPECT_EQ(RunIdsReferencedBy(manifest), (std::set<std::string>{"r1"}));
}

}  // namespace
}  // namespace shardyfusion
