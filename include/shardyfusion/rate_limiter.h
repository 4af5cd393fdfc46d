// Token-bucket rate limiting for writers (ops/s, bytes/s) and readers (lookups/s).
//
// Unlike the reference, a request larger than the bucket never hangs: the bucket may go
// into debt and the caller sleeps until the debt is repaid.  Thread-safe; waiting threads
// sleep outside the lock.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

namespace shardyfusion {

class MetricsCollector;

struct AcquireResult {
  bool acquired = false;
  double deficit_seconds = 0;  // how long until `n` tokens would be available
};

class TokenBucket {
 public:
  // `rate` tokens per second, capacity = rate (a one-second burst), starts full.
  // `limiter_type` ("ops" or "bytes") labels metric events.  Throws ConfigValidationError
  // when rate <= 0.
  TokenBucket(double rate, std::string limiter_type = "ops",
              std::shared_ptr<MetricsCollector> metrics = nullptr);

  // Takes `n` tokens, sleeping as long as needed (may borrow beyond the capacity).
  void Acquire(double n);
  // Takes `n` tokens only if available now.
  AcquireResult TryAcquire(double n);
  double rate() const { return rate_; }

 private:
  void RefillLocked(std::chrono::steady_clock::time_point now);

  const double rate_;
  const double capacity_;
  const std::string limiter_type_;
  std::shared_ptr<MetricsCollector> metrics_;
  std::mutex mu_;
  double tokens_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace shardyfusion
