// Fault injection between our S3 client and moto (support/fault_proxy.h): the real writer
// and reader against 5xx/429/403 answers, dropped responses, reset connections, brown-outs
// and truncated downloads.  DESIGN.md §7: a failure never tears what `_CURRENT` serves,
// transient faults are absorbed by the retry policy, readers keep serving the old snapshot.
//
// S3 retries are kept small and fast (3 attempts, 10 ms initial backoff) and every rule
// that fires "always" is cleared before the test ends, so each case takes about a second.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>

#include "shardyfusion/errors.h"
#include "shardyfusion/manifest.h"
#include "shardyfusion/object_store.h"
#include "shardyfusion/reader.h"
#include "shardyfusion/store_resolver.h"
#include "shardyfusion/url.h"
#include "shardyfusion/writer.h"
#include "support/fault_proxy.h"
#include "support/moto_server.h"
#include "support/test_util.h"

namespace shardyfusion {
namespace {

using testing::FaultAction;
using testing::FaultProxy;
using testing::FaultRule;
namespace fs = std::filesystem;

constexpr int kRows = 64;
constexpr uint32_t kNumDbs = 4;

class FaultInjection : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::MotoServerAvailable()) GTEST_SKIP() << "moto_server not available";
    moto_ = &testing::SharedMotoServer();
    proxy_ = std::make_unique<FaultProxy>(moto_->endpoint());
    bucket_ = testing::CreateBucket(*moto_, "fault");
    root_ = "s3://" + bucket_ + "/prefix";

    S3Options proxied = testing::MotoS3Options(*moto_);
    proxied.endpoint_url = proxy_->endpoint();
    proxied.max_attempts = 3;
    proxied.initial_backoff_s = 0.01;
    proxied.max_backoff_s = 0.05;
    proxied.retry_budget_s = 10;
    proxied.connect_timeout_s = 5;
    proxied.read_timeout_s = 5;
    resolver_ = std::make_shared<StoreResolver>(proxied);
    // Straight to moto: what is really stored, whatever the proxy told the client.
    direct_ = std::make_shared<StoreResolver>(testing::MotoS3Options(*moto_));
  }

  // The proxy's log explains most failures: printed when a test fails (or always with
  // SHARDY_FAULT_LOG=1).
  void TearDown() override {
    if (!proxy_ || (!HasFailure() && !std::getenv("SHARDY_FAULT_LOG"))) return;
    for (const auto& r : proxy_->Log())
      std::cerr << "  proxy: " << r.method << " " << r.target << " -> "
                << (r.fault ? testing::FaultActionName(*r.fault) : "forwarded") << " status "
                << r.status << "\n";
  }

  HashShardedWriteConfig Config(const std::shared_ptr<StoreResolver>& resolver) {
    HashShardedWriteConfig c;
    c.storage.s3_prefix = root_;
    c.storage.resolver = resolver;
    c.output.local_root = scratch_.path() + "/work-" + std::to_string(work_dirs_++);
    c.sharding.num_dbs = kNumDbs;
    c.shard_retry = RetryConfig{2, 0.01, 2.0};
    c.manifest.pointer_initial_backoff_s = 0.01;
    return c;
  }

  BuildResult Write(const std::string& prefix, const std::shared_ptr<StoreResolver>& resolver) {
    std::vector<Record> rows;
    for (int i = 0; i < kRows; ++i) rows.push_back({Key::Int(i), prefix + std::to_string(i)});
    return WriteHashSharded(rows, Config(resolver), [](const Record& r) { return r.key; },
                            [](const Record& r) { return r.value; });
  }
  BuildResult Write(const std::string& prefix) { return Write(prefix, resolver_); }

  ReaderOptions Options(const std::string& local_root) {
    ReaderOptions o;
    o.s3_prefix = root_;
    o.resolver = resolver_;
    o.local_root = local_root;
    o.sqlite_mode = SqliteReadMode::kDownload;
    o.max_workers = 2;
    return o;
  }

  // The `_CURRENT` body as stored (read past the proxy).
  std::optional<std::string> StoredCurrent() {
    auto r = direct_->Resolve(root_ + "/_CURRENT");
    return r.store->Get(r.key);
  }
  std::string StoredCurrentRef() {
    auto body = StoredCurrent();
    return body ? ParseCurrentPointer(*body).manifest_ref : "";
  }

  void ExpectEveryRow(ConcurrentShardedReader& reader, const std::string& prefix) {
    for (int i = 0; i < kRows; ++i)
      ASSERT_EQ(reader.Get(Key::Int(i)), prefix + std::to_string(i)) << "key " << i;
    std::vector<Key> keys;
    for (int i = 0; i < kRows; ++i) keys.push_back(Key::Int(i));
    auto values = reader.MultiGet(keys);
    for (int i = 0; i < kRows; ++i) ASSERT_EQ(values[i], prefix + std::to_string(i));
  }

  // Every shard.db under `local_root` is byte-identical to a shard object of the store: no
  // partially downloaded file sits where a reader would open it.
  void ExpectNoTornShardFiles(const std::string& local_root) {
    if (!fs::exists(local_root)) return;
    std::set<std::string> originals;
    auto root = direct_->Resolve(root_);
    for (const auto& object : ListAllObjects(*root.store, JoinUrl(root.key, {"shards"}) + "/"))
      if (object.key.ends_with("/shard.db")) originals.insert(*root.store->Get(object.key));
    ASSERT_FALSE(originals.empty());
    for (const auto& entry : fs::recursive_directory_iterator(local_root)) {
      if (!entry.is_regular_file() || entry.path().filename() != "shard.db") continue;
      std::string bytes = testing::ReadFileOrDie(entry.path().string());
      EXPECT_TRUE(originals.count(bytes))
          << entry.path() << " (" << bytes.size() << " bytes) is not a complete shard";
    }
  }

  testing::MotoServer* moto_ = nullptr;
  std::unique_ptr<FaultProxy> proxy_;
  std::string bucket_, root_;
  std::shared_ptr<StoreResolver> resolver_, direct_;
  testing::TempDir scratch_;
  int work_dirs_ = 0;
};

TEST_F(FaultInjection, TransientErrorsOnShardUploadsAreRetriedWithinThePolicy) {
  // Each shard's first two uploads fail (503, 500, 429 ...); the third attempt of the
  // S3 client's policy (max_attempts 3) succeeds, so no shard needs a writer-level retry.
  const int statuses[] = {503, 500, 429, 503};
  std::vector<int> rules;
  for (uint32_t db = 0; db < kNumDbs; ++db) {
    FaultRule rule;
    rule.method = "PUT";
    rule.key_substring = "/db=0000" + std::to_string(db) + "/attempt=00/shard.db";
    rule.action = FaultAction::kStatus;
    rule.status = statuses[db];
    rule.times = 2;
    rules.push_back(proxy_->AddRule(rule));
  }
  FaultRule slow;
  slow.method = "PUT";
  slow.key_substring = "/shard.sidecar";
  slow.action = FaultAction::kDelay;
  slow.delay_ms = 200;
  slow.times = 2;
  int slow_rule = proxy_->AddRule(slow);

  BuildResult result = Write("v-");
  ASSERT_EQ(result.winners.size(), kNumDbs);
  for (const auto& w : result.winners) {
    EXPECT_EQ(w.attempt, 0) << "shard " << w.db_id << " needed a writer-level retry";
    EXPECT_EQ(proxy_->Count("PUT", "/db=0000" + std::to_string(w.db_id) + "/attempt=00/shard.db"), 3);
  }
  for (int id : rules) EXPECT_EQ(proxy_->Fired(id), 2);
  EXPECT_EQ(proxy_->Fired(slow_rule), 2);
  EXPECT_EQ(StoredCurrentRef(), result.manifest_ref);

  ConcurrentShardedReader reader(Options(scratch_.path() + "/cache"));
  ExpectEveryRow(reader, "v-");
}

TEST_F(FaultInjection, ForbiddenShardUploadIsAClearNonRetryableErrorAndCurrentIsUnchanged) {
  BuildResult first = Write("old-");
  std::optional<std::string> current_before = StoredCurrent();
  ASSERT_TRUE(current_before.has_value());
  int manifest_puts_before = proxy_->Count("PUT", "/manifests/");

  FaultRule deny;
  deny.method = "PUT";
  deny.key_substring = "/shard.db";
  deny.action = FaultAction::kStatus;
  deny.status = 403;
  deny.times = -1;
  int rule = proxy_->AddRule(deny);

  try {
    Write("new-");
    FAIL() << "the build succeeded although every shard upload was denied";
  } catch (const ShardyfusionError& e) {
    std::string what = e.what();
    EXPECT_FALSE(e.retryable()) << what;
    EXPECT_NE(what.find("403"), std::string::npos) << what;
    EXPECT_NE(what.find("AccessDenied"), std::string::npos) << what;
    EXPECT_NE(what.find("s3://" + bucket_ + "/prefix/shards/run_id="), std::string::npos) << what;
    EXPECT_NE(what.find("/shard.db"), std::string::npos) << what;
  }
  proxy_->ClearRules();

  // Not retried: neither by the S3 client nor as a new shard attempt.
  std::set<std::string> denied;
  for (const auto& r : proxy_->Log()) {
    if (r.rule_id != rule) continue;
    EXPECT_TRUE(denied.insert(r.target).second) << "403 retried: " << r.target;
    EXPECT_EQ(r.target.find("/attempt=01/"), std::string::npos) << r.target;
  }
  EXPECT_GE(denied.size(), 1u);
  // Nothing was published: no new manifest, `_CURRENT` byte-identical.
  EXPECT_EQ(proxy_->Count("PUT", "/manifests/"), manifest_puts_before);
  EXPECT_EQ(StoredCurrent(), current_before);
  ConcurrentShardedReader reader(Options(scratch_.path() + "/cache"));
  EXPECT_EQ(reader.manifest_ref(), first.manifest_ref);
  ExpectEveryRow(reader, "old-");
}

TEST_F(FaultInjection, DroppedResponseToTheCurrentPutIsRetriedAndPublishSucceeds) {
  FaultRule drop;
  drop.method = "PUT";
  drop.key_substring = "/prefix/_CURRENT";
  drop.action = FaultAction::kDropResponse;
  drop.times = 1;
  int rule = proxy_->AddRule(drop);

  BuildResult result = Write("v-");
  EXPECT_EQ(proxy_->Fired(rule), 1);
  EXPECT_EQ(proxy_->Count("PUT", "/prefix/_CURRENT"), 2);  // applied, unheard, re-sent
  EXPECT_EQ(StoredCurrentRef(), result.manifest_ref);
  ConcurrentShardedReader reader(Options(scratch_.path() + "/cache"));
  EXPECT_EQ(reader.manifest_ref(), result.manifest_ref);
  ExpectEveryRow(reader, "v-");
}

// The manifest PUT is conditional (If-None-Match: *).  When its response is lost after the
// store applied it, the S3 client's retry meets our own manifest and gets 412; the store
// reads the object back, finds the bytes it sent, and publishing goes on.
TEST_F(FaultInjection, DroppedResponseToTheManifestPutStillPublishes) {
  FaultRule drop;
  drop.method = "PUT";
  drop.key_substring = "/manifests/";
  drop.action = FaultAction::kDropResponse;
  drop.times = 1;
  int rule = proxy_->AddRule(drop);
  BuildResult result = Write("v-");
  EXPECT_EQ(proxy_->Fired(rule), 1);
  EXPECT_EQ(proxy_->Count("PUT", "/manifests/"), 2);  // applied, unheard, re-sent: 412
  EXPECT_EQ(StoredCurrentRef(), result.manifest_ref);
  ConcurrentShardedReader reader(Options(scratch_.path() + "/cache"));
  ExpectEveryRow(reader, "v-");
}

TEST_F(FaultInjection, DroppedResponseToAConditionalCurrentPutIsNotALostRace) {
  BuildResult first = Write("old-");
  FaultRule drop;
  drop.method = "PUT";
  drop.key_substring = "/prefix/_CURRENT";
  drop.action = FaultAction::kDropResponse;
  drop.times = 1;
  int rule = proxy_->AddRule(drop);
  auto config = Config(resolver_);
  config.manifest.conditional_current = true;
  std::vector<Record> rows;
  for (int i = 0; i < kRows; ++i) rows.push_back({Key::Int(i), "v-" + std::to_string(i)});
  BuildResult result = WriteHashSharded(rows, config, [](const Record& r) { return r.key; },
                                        [](const Record& r) { return r.value; });
  EXPECT_EQ(proxy_->Fired(rule), 1);
  EXPECT_EQ(proxy_->Count("PUT", "/prefix/_CURRENT"), 3);  // first, dropped, re-sent: 412
  EXPECT_EQ(StoredCurrentRef(), result.manifest_ref);
  ConcurrentShardedReader reader(Options(scratch_.path() + "/cache"));
  ExpectEveryRow(reader, "v-");
}

TEST_F(FaultInjection, ResetConnectionsOnUploadsAreRetried) {
  FaultRule reset;
  reset.method = "PUT";
  reset.key_substring = "/shard.db";
  reset.action = FaultAction::kReset;
  reset.times = 3;
  int rule = proxy_->AddRule(reset);
  BuildResult result = Write("v-");
  EXPECT_EQ(proxy_->Fired(rule), 3);
  EXPECT_EQ(StoredCurrentRef(), result.manifest_ref);
  ConcurrentShardedReader reader(Options(scratch_.path() + "/cache"));
  ExpectEveryRow(reader, "v-");
}

TEST_F(FaultInjection, ReaderKeepsServingThroughABrownOutAndRefreshKeepsTheOldSnapshot) {
  BuildResult first = Write("old-");
  ConcurrentShardedReader reader(Options(scratch_.path() + "/cache"));
  ExpectEveryRow(reader, "old-");
  // A newer snapshot exists, but the reader cannot reach the store to see it.
  BuildResult second = Write("new-", direct_);
  ASSERT_NE(first.manifest_ref, second.manifest_ref);

  for (FaultAction action : {FaultAction::kStatus, FaultAction::kReset}) {
    SCOPED_TRACE(testing::FaultActionName(action));
    FaultRule outage;  // every request, every method
    outage.action = action;
    outage.status = 503;
    outage.times = -1;
    int rule = proxy_->AddRule(outage);
    size_t requests_before = proxy_->Log().size();

    ExpectEveryRow(reader, "old-");  // served from the already-open local shards
    EXPECT_EQ(proxy_->Log().size(), requests_before) << "lookups went to the store";

    bool refreshed = true;
    try {
      refreshed = reader.Refresh();
    } catch (const ShardyfusionError& e) {
      refreshed = false;  // a clean library error is fine too
      if (std::getenv("SHARDY_FAULT_LOG")) std::cerr << "refresh threw " << e.name() << ": " << e.what() << "\n";
    }
    EXPECT_FALSE(refreshed);
    EXPECT_GT(proxy_->Fired(rule), 0);
    EXPECT_EQ(reader.manifest_ref(), first.manifest_ref);
    ExpectEveryRow(reader, "old-");
    proxy_->ClearRules();
  }

  // The store is back: the next refresh picks the new snapshot up.
  EXPECT_TRUE(reader.Refresh());
  EXPECT_EQ(reader.manifest_ref(), second.manifest_ref);
  ExpectEveryRow(reader, "new-");
}

TEST_F(FaultInjection, TruncatedShardDownloadsAreRetriedOrFailButNeverServedTorn) {
  Write("v-");

  // Every download is cut short after 1000 bytes (the client is promised the whole body):
  // opening fails with a library error and leaves no torn shard.db behind.
  FaultRule cut;
  cut.method = "GET";
  cut.key_substring = "/shard.db";
  cut.action = FaultAction::kTruncateBody;
  cut.truncate_at = 1000;
  cut.times = -1;
  int rule = proxy_->AddRule(cut);
  std::string cache = scratch_.path() + "/cache";
  EXPECT_THROW(ConcurrentShardedReader reader(Options(cache)), ShardyfusionError);
  EXPECT_GE(proxy_->Fired(rule), 3);  // the S3 client retried before giving up
  ExpectNoTornShardFiles(cache);
  proxy_->ClearRules();

  // One cut download: the S3 client's retry fetches the whole file.
  cut.times = 1;
  rule = proxy_->AddRule(cut);
  {
    ConcurrentShardedReader reader(Options(cache));
    EXPECT_EQ(proxy_->Fired(rule), 1);
    ExpectEveryRow(reader, "v-");
  }
  ExpectNoTornShardFiles(cache);
  proxy_->ClearRules();

  // A silently short "200 OK" (Content-Length matches the short body): only the shard
  // file check can tell.  Fail or re-fetch, but never serve the torn copy.
  FaultRule short_body = cut;
  short_body.action = FaultAction::kShortBody;
  short_body.times = -1;
  rule = proxy_->AddRule(short_body);
  std::string cache2 = scratch_.path() + "/cache2";
  EXPECT_THROW(ConcurrentShardedReader reader(Options(cache2)), ShardyfusionError);
  EXPECT_GE(proxy_->Fired(rule), 1);
  ExpectNoTornShardFiles(cache2);
  proxy_->ClearRules();

  short_body.times = 1;
  rule = proxy_->AddRule(short_body);
  try {
    ConcurrentShardedReader reader(Options(cache2));
    ExpectEveryRow(reader, "v-");  // it re-fetched the shard
  } catch (const ShardyfusionError& e) {
    if (std::getenv("SHARDY_FAULT_LOG")) std::cerr << "refused the short shard: " << e.what() << "\n";
  }
  EXPECT_EQ(proxy_->Fired(rule), 1);
  ExpectNoTornShardFiles(cache2);
  proxy_->ClearRules();

  // With the faults gone, the same cache directories serve every row.
  for (const std::string& dir : {cache, cache2}) {
    ConcurrentShardedReader reader(Options(dir));
    ExpectEveryRow(reader, "v-");
  }
}

}  // namespace
}  // namespace shardyfusion
