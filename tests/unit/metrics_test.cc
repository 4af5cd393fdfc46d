#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "shardyfusion/observability.h"

namespace shardyfusion {
namespace {

TEST(ListMetricsCollector, KeepsEventsAndPayloadsInOrder) {
  ListMetricsCollector collector;
  collector.Emit(metric_events::kWriteStarted, {{"run_id", std::string("abc")}});
  collector.Emit(metric_events::kReaderGet, {{"found", true}, {"duration_ms", 1.5}});
  auto events = collector.events();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].first, "write.started");
  EXPECT_EQ(std::get<std::string>(events[0].second.at("run_id")), "abc");
  EXPECT_EQ(events[1].first, "reader.get");
  EXPECT_TRUE(std::get<bool>(events[1].second.at("found")));
  EXPECT_EQ(collector.event_names(), (std::vector<std::string>{"write.started", "reader.get"}));
}

TEST(ListMetricsCollector, IsThreadSafe) {
  ListMetricsCollector collector;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i)
        collector.Emit(metric_events::kWriteBatchWritten, {{"db_id", int64_t{t}}});
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(collector.events().size(), 2000u);
}

}  // namespace
}  // namespace shardyfusion
