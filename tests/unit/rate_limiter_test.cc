// Timing assertions are deliberately loose: these run on loaded 2-core machines.
#include "shardyfusion/rate_limiter.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <thread>
#include <vector>

#include "shardyfusion/errors.h"
#include "shardyfusion/observability.h"

namespace shardyfusion {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

TEST(TokenBucket, RejectsNonPositiveRates) {
  EXPECT_THROW(TokenBucket{0}, ConfigValidationError);
  EXPECT_THROW(TokenBucket{-5}, ConfigValidationError);
  EXPECT_THROW(TokenBucket{std::nan("")}, ConfigValidationError);
  EXPECT_THROW(TokenBucket{INFINITY}, ConfigValidationError);
}

TEST(TokenBucket, StartsFullWithOneSecondBurst) {
  auto metrics = std::make_shared<ListMetricsCollector>();
  TokenBucket bucket(100, "ops", metrics);
  EXPECT_EQ(bucket.rate(), 100);
  EXPECT_TRUE(bucket.TryAcquire(60).acquired);
  EXPECT_TRUE(bucket.TryAcquire(40).acquired);
  AcquireResult denied = bucket.TryAcquire(50);
  EXPECT_FALSE(denied.acquired);
  EXPECT_GT(denied.deficit_seconds, 0.1);  // ~0.5 s minus whatever refilled meanwhile
  EXPECT_LE(denied.deficit_seconds, 0.5);
  EXPECT_EQ(metrics->event_names(), std::vector<std::string>{"rate_limiter.denied"});
}

TEST(TokenBucket, TryAcquireDeniedEmitsMetric) {
  auto metrics = std::make_shared<ListMetricsCollector>();
  TokenBucket bucket(10, "bytes", metrics);
  AcquireResult r = bucket.TryAcquire(30);  // more than the capacity: never possible now
  EXPECT_FALSE(r.acquired);
  EXPECT_NEAR(r.deficit_seconds, 2.0, 0.05);
  auto events = metrics->events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].first, "rate_limiter.denied");
  EXPECT_EQ(std::get<std::string>(events[0].second.at("limiter_type")), "bytes");
  EXPECT_NEAR(std::get<double>(events[0].second.at("deficit_seconds")), 2.0, 0.05);
  EXPECT_TRUE(bucket.TryAcquire(5).acquired);  // a denial takes nothing
}

TEST(TokenBucket, AcquireWithinCapacityDoesNotWait) {
  auto metrics = std::make_shared<ListMetricsCollector>();
  TokenBucket bucket(1000, "ops", metrics);
  bucket.Acquire(500);
  bucket.Acquire(0);  // no-ops
  bucket.Acquire(-3);
  EXPECT_TRUE(metrics->events().empty());
}

TEST(TokenBucket, RequestLargerThanCapacityBorrowsInsteadOfHanging) {
  auto metrics = std::make_shared<ListMetricsCollector>();
  TokenBucket bucket(1000, "ops", metrics);
  auto start = Clock::now();
  bucket.Acquire(3000);  // 1000 in the bucket, 2000 of debt: ~2 s
  double elapsed = SecondsSince(start);
  EXPECT_GE(elapsed, 1.0);
  auto events = metrics->events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].first, "rate_limiter.throttled");
  EXPECT_EQ(std::get<std::string>(events[0].second.at("limiter_type")), "ops");
  double wait = std::get<double>(events[0].second.at("wait_seconds"));
  EXPECT_GT(wait, 1.9);
  EXPECT_LE(wait, 2.0);
  // The debt was just repaid, so the bucket is (nearly) empty again.
  EXPECT_FALSE(bucket.TryAcquire(900).acquired);
}

TEST(TokenBucket, ConcurrentAcquirersShareTheRate) {
  auto metrics = std::make_shared<ListMetricsCollector>();
  TokenBucket bucket(2000, "ops", metrics);
  auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10; ++i) bucket.Acquire(100);
    });
  for (auto& t : threads) t.join();
  // 4000 tokens at 2000/s with a 2000 burst: ~1 s.  Only the lower bound is meaningful.
  double elapsed = SecondsSince(start);
  EXPECT_GE(elapsed, 0.7);
  EXPECT_LT(elapsed, 30.0);
  EXPECT_FALSE(metrics->events().empty());
  for (const auto& [name, payload] : metrics->events()) EXPECT_EQ(name, "rate_limiter.throttled");
}

}  // namespace
}  // namespace shardyfusion
