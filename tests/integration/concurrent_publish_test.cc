// Concurrent publishers on one snapshot root (scenarios.md §4.4), on the local store and on
// S3 (moto enforces If-Match / If-None-Match).  Two writer threads publish at the same time,
// round after round (bounded):
//
//  * last writer wins (default): every publish succeeds and `_CURRENT` always names one
//    complete snapshot, never a mix;
//  * manifest.conditional_current: in each round both writers read `_CURRENT` before either
//    publishes (a barrier in their metrics hook makes the race certain), so exactly one
//    wins; the loser gets a non-retryable PublishCurrentError naming its own manifest and
//    the winner's, and `_CURRENT` names the winner, whose snapshot reads back whole.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "shardyfusion/errors.h"
#include "shardyfusion/manifest.h"
#include "shardyfusion/manifest_store.h"
#include "shardyfusion/observability.h"
#include "shardyfusion/reader.h"
#include "shardyfusion/writer.h"
#include "support/snapshot_env.h"

namespace shardyfusion {
namespace {

constexpr int kRows = 200;
constexpr int kWriters = 2;

// Holds each writer at "shards written" until every writer of the round got there (or a
// generous timeout passes, so a writer that failed early cannot hang the test).
class RoundBarrier : public MetricsCollector {
 public:
  void Emit(std::string_view event, const MetricPayload&) override {
    if (event != metric_events::kWriteShardsCompleted) return;
    std::unique_lock lock(mu_);
    int round = round_;
    if (++arrived_ == kWriters) {
      arrived_ = 0;
      ++round_;
      cv_.notify_all();
      return;
    }
    cv_.wait_for(lock, std::chrono::seconds(60), [&] { return round_ != round; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int arrived_ = 0;
  int round_ = 0;
};

struct Outcome {
  std::string ref;    // set when the publish succeeded
  std::string error;  // what() of the failure
  std::string error_name;
  std::string lost_ref;  // PublishCurrentError::manifest_ref()
  bool retryable = false;
};

class ConcurrentPublish : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    env_ = testing::MakeSnapshotEnv(GetParam());
    if (!env_) GTEST_SKIP() << "moto_server not available";
    store_ = MakeObjectManifestStore(*env_->resolver, env_->root_url);
  }

  static std::string Prefix(int round, int writer) {
    return "r" + std::to_string(round) + "w" + std::to_string(writer) + "-";
  }

  Outcome Write(const std::string& prefix, bool conditional, std::shared_ptr<MetricsCollector> metrics) {
    HashShardedWriteConfig c;
    c.storage.s3_prefix = env_->root_url;
    c.storage.resolver = env_->resolver;
    c.output.local_root = env_->scratch->path() + "/work-" + prefix;
    c.sharding.num_dbs = 4;
    c.lifecycle.enable_run_registry = false;
    c.manifest.conditional_current = conditional;
    c.manifest.pointer_initial_backoff_s = 0.01;
    c.metrics = std::move(metrics);
    std::vector<Record> rows;
    for (int i = 0; i < kRows; ++i) rows.push_back({Key::Int(i), prefix + std::to_string(i)});
    Outcome out;
    try {
      out.ref = WriteHashSharded(rows, c, [](const Record& r) { return r.key; },
                                 [](const Record& r) { return r.value; }, WriteOptions{2, 1 << 20, std::nullopt})
                    .manifest_ref;
    } catch (const PublishCurrentError& e) {
      out.error = e.what();
      out.error_name = e.name();
      out.lost_ref = e.manifest_ref();
      out.retryable = e.retryable();
    } catch (const std::exception& e) {
      out.error = e.what();
      out.error_name = "other";
    }
    return out;
  }

  // One round: every writer publishes at once.
  std::vector<Outcome> Round(int round, bool conditional, std::shared_ptr<MetricsCollector> metrics) {
    std::vector<Outcome> outcomes(kWriters);
    std::vector<std::thread> threads;
    for (int w = 0; w < kWriters; ++w)
      threads.emplace_back([&, w] { outcomes[w] = Write(Prefix(round, w), conditional, metrics); });
    for (auto& t : threads) t.join();
    return outcomes;
  }

  // `_CURRENT` names a complete snapshot whose every row carries one writer's prefix;
  // returns that prefix.
  std::string ExpectWholeSnapshot(const std::string& expected_ref) {
    ReaderOptions o;
    o.s3_prefix = env_->root_url;
    o.resolver = env_->resolver;
    o.local_root = env_->scratch->path() + "/cache-" + std::to_string(reads_++);
    o.max_fallback_attempts = 0;
    ConcurrentShardedReader reader(o);
    EXPECT_EQ(reader.manifest_ref(), expected_ref);
    std::vector<Key> keys;
    for (int i = 0; i < kRows; ++i) keys.push_back(Key::Int(i));
    auto values = reader.MultiGet(keys);
    std::string prefix = values[0] ? values[0]->substr(0, values[0]->find('-') + 1) : "?";
    for (int i = 0; i < kRows; ++i) EXPECT_EQ(values[i], prefix + std::to_string(i)) << "key " << i;
    return prefix;
  }

  std::string CurrentRef() { return store_->LoadCurrent().value().ref; }

  std::unique_ptr<testing::SnapshotEnv> env_;
  std::shared_ptr<ManifestStore> store_;
  int reads_ = 0;
};

TEST_P(ConcurrentPublish, ConditionalPointerLetsExactlyOneWinnerPublishPerRace) {
  const int rounds = GetParam() == "s3" ? 5 : 8;
  auto barrier = std::make_shared<RoundBarrier>();
  std::string previous;  // "" before the first publish: If-None-Match
  for (int round = 0; round < rounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    auto outcomes = Round(round, /*conditional=*/true, barrier);
    std::vector<int> winners, losers;
    for (int w = 0; w < kWriters; ++w) (outcomes[w].ref.empty() ? losers : winners).push_back(w);
    ASSERT_EQ(winners.size(), 1u) << "0: " << outcomes[0].error << "\n1: " << outcomes[1].error;
    const Outcome& won = outcomes[winners[0]];
    for (int w : losers) {
      const Outcome& lost = outcomes[w];
      EXPECT_EQ(lost.error_name, "PublishCurrentError") << lost.error;
      EXPECT_FALSE(lost.retryable) << lost.error;
      EXPECT_NE(lost.error.find("another publish won"), std::string::npos) << lost.error;
      EXPECT_NE(lost.error.find(lost.lost_ref), std::string::npos) << lost.error;  // its own ref
      EXPECT_NE(lost.error.find("points at " + won.ref), std::string::npos) << lost.error;
      EXPECT_NE(lost.lost_ref, won.ref);
    }
    // The winner replaced exactly the previous winner: no publish was lost silently.
    EXPECT_EQ(CurrentRef(), won.ref);
    EXPECT_EQ(ExpectWholeSnapshot(won.ref), Prefix(round, winners[0]));
    if (!previous.empty()) EXPECT_NE(won.ref, previous);
    previous = won.ref;
  }
  // Every loser's manifest is complete but orphaned: listed in history, never current.
  EXPECT_EQ(store_->ListManifests(100).size(), static_cast<size_t>(rounds * kWriters));
}

TEST_P(ConcurrentPublish, LastWriterWinsByDefaultAndCurrentIsNeverTorn) {
  const int rounds = GetParam() == "s3" ? 4 : 6;
  for (int round = 0; round < rounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    auto outcomes = Round(round, /*conditional=*/false, nullptr);
    std::set<std::string> refs;
    for (const auto& o : outcomes) {
      ASSERT_FALSE(o.ref.empty()) << o.error;
      refs.insert(o.ref);
    }
    std::string current = CurrentRef();
    EXPECT_TRUE(refs.count(current)) << current;
    std::string prefix = ExpectWholeSnapshot(current);
    EXPECT_TRUE(prefix == Prefix(round, 0) || prefix == Prefix(round, 1)) << prefix;
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, ConcurrentPublish, ::testing::Values("local", "s3"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace shardyfusion
