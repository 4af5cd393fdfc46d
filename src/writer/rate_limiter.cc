// Token bucket with debt: Acquire(n) always takes its tokens at once, possibly driving the
// balance negative, then sleeps (outside the lock) until refilling would have repaid the
// debt.  Later callers queue behind the debt, so the long-run rate holds and a request
// larger than the capacity cannot hang (the reference's TokenBucket does, features.md §10).
#include "shardyfusion/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <thread>

#include "shardyfusion/errors.h"
#include "shardyfusion/observability.h"

namespace shardyfusion {

TokenBucket::TokenBucket(double rate, std::string limiter_type,
                         std::shared_ptr<MetricsCollector> metrics)
    : rate_(rate),
      capacity_(rate),
      limiter_type_(std::move(limiter_type)),
      metrics_(std::move(metrics)),
      tokens_(rate),
      last_(std::chrono::steady_clock::now()) {
  if (!(rate > 0) || !std::isfinite(rate))
    throw ConfigValidationError("rate limit must be a positive number, got " +
                                std::to_string(rate));
}

void TokenBucket::RefillLocked(std::chrono::steady_clock::time_point now) {
  double elapsed = std::chrono::duration<double>(now - last_).count();
  if (elapsed > 0) tokens_ = std::min(capacity_, tokens_ + elapsed * rate_);
  last_ = std::max(last_, now);
}

void TokenBucket::Acquire(double n) {
  if (!(n > 0)) return;
  double wait_seconds = 0;
  {
    std::lock_guard lock(mu_);
    RefillLocked(std::chrono::steady_clock::now());
    tokens_ -= n;
    if (tokens_ < 0) wait_seconds = -tokens_ / rate_;
  }
  if (wait_seconds <= 0) return;
  if (metrics_)
    metrics_->Emit(metric_events::kRateLimiterThrottled,
                   {{"limiter_type", limiter_type_}, {"wait_seconds", wait_seconds}});
  LogEvent(LogLevel::kDebug, "rate_limiter_throttled",
           {{"limiter_type", limiter_type_}, {"wait_seconds", std::to_string(wait_seconds)}});
  std::this_thread::sleep_for(std::chrono::duration<double>(wait_seconds));
}

AcquireResult TokenBucket::TryAcquire(double n) {
  if (!(n > 0)) return {true, 0};
  double deficit_seconds;
  {
    std::lock_guard lock(mu_);
    RefillLocked(std::chrono::steady_clock::now());
    if (tokens_ >= n) {
      tokens_ -= n;
      return {true, 0};
    }
    deficit_seconds = (n - tokens_) / rate_;
  }
  if (metrics_)
    metrics_->Emit(metric_events::kRateLimiterDenied,
                   {{"limiter_type", limiter_type_}, {"deficit_seconds", deficit_seconds}});
  LogEvent(LogLevel::kDebug, "rate_limiter_denied",
           {{"limiter_type", limiter_type_}, {"deficit_seconds", std::to_string(deficit_seconds)}});
  return {false, deficit_seconds};
}

}  // namespace shardyfusion
