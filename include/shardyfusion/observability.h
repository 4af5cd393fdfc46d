// Metrics and structured logging.
//
// MetricsCollector receives the reference's MetricEvent names (write.started ...
// write.completed, reader.get, rate_limiter.throttled ...) with a small payload.
// Implementations must be thread-safe; they are called from writer and reader threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace shardyfusion {

using MetricValue = std::variant<int64_t, double, bool, std::string>;
using MetricPayload = std::map<std::string, MetricValue>;

namespace metric_events {
inline constexpr std::string_view kWriteStarted = "write.started";
inline constexpr std::string_view kWriteShardingCompleted = "write.sharding_completed";
inline constexpr std::string_view kWriteShardStarted = "write.shard.started";
inline constexpr std::string_view kWriteShardCompleted = "write.shard.completed";
inline constexpr std::string_view kWriteShardsCompleted = "write.shards_completed";
inline constexpr std::string_view kWriteManifestPublished = "write.manifest_published";
inline constexpr std::string_view kWriteCurrentPublished = "write.current_published";
inline constexpr std::string_view kWriteCompleted = "write.completed";
inline constexpr std::string_view kWriteBatchWritten = "write.batch_written";
inline constexpr std::string_view kWriteShardRetried = "write.shard.retried";
inline constexpr std::string_view kWriteShardRetryExhausted = "write.shard.retry_exhausted";
inline constexpr std::string_view kReaderInitialized = "reader.initialized";
inline constexpr std::string_view kReaderGet = "reader.get";
inline constexpr std::string_view kReaderMultiGet = "reader.multi_get";
inline constexpr std::string_view kReaderRefreshed = "reader.refreshed";
inline constexpr std::string_view kReaderClosed = "reader.closed";
inline constexpr std::string_view kS3Retry = "s3.retry";
inline constexpr std::string_view kS3RetryExhausted = "s3.retry_exhausted";
inline constexpr std::string_view kRateLimiterThrottled = "rate_limiter.throttled";
inline constexpr std::string_view kRateLimiterDenied = "rate_limiter.denied";
}  // namespace metric_events

class MetricsCollector {
 public:
  virtual ~MetricsCollector() = default;
  virtual void Emit(std::string_view event, const MetricPayload& payload) = 0;
};

// Keeps every event (tests, debugging).  Thread-safe.
class ListMetricsCollector : public MetricsCollector {
 public:
  void Emit(std::string_view event, const MetricPayload& payload) override;
  std::vector<std::pair<std::string, MetricPayload>> events() const;
  std::vector<std::string> event_names() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, MetricPayload>> events_;
};

// ---- Structured logging ----------------------------------------------------------
enum class LogLevel { kDebug, kInfo, kWarning, kError, kCritical };
using LogFields = std::map<std::string, std::string>;

struct LogConfig {
  LogLevel level = LogLevel::kWarning;
  bool json = false;  // one JSON object per line: ts, level, logger, event + fields
};
void ConfigureLogging(const LogConfig& config);

// Logs `event` with `fields` plus the fields of every ScopedLogContext active on this thread.
void LogEvent(LogLevel level, std::string_view event, const LogFields& fields = {});

// Adds fields (e.g. run_id) to every log line on this thread while alive; nests/overrides.
class ScopedLogContext {
 public:
  explicit ScopedLogContext(LogFields fields);
  ~ScopedLogContext();
  ScopedLogContext(const ScopedLogContext&) = delete;
  ScopedLogContext& operator=(const ScopedLogContext&) = delete;
  // The current thread's merged context (to hand to worker threads).
  static LogFields Current();

 private:
  LogFields saved_;
};

}  // namespace shardyfusion
