#include "writer/publish.h"

#include <thread>

#include "shardyfusion/errors.h"
#include "shardyfusion/observability.h"
#include "shardyfusion/store_resolver.h"

namespace shardyfusion {

std::string PublishSnapshot(ManifestStore& store, const RequiredBuildMeta& build,
                            const std::vector<RequiredShardMeta>& winners,
                            const std::string& custom_json, const PublishOptions& options,
                            const std::shared_ptr<MetricsCollector>& metrics) {
  const auto& expected = options.expected_current;
  std::string ref;
  try {
    ref = store.Publish(build, winners, custom_json, expected);
  } catch (const PublishCurrentError& e) {
    // A lost compare-and-swap is final: retrying would overwrite the winner's pointer.
    if (expected && !e.retryable()) throw;
    ref = e.manifest_ref();
    if (metrics) metrics->Emit(metric_events::kWriteManifestPublished, {{"manifest_ref", ref}});
    // The manifest is complete and the ref fixed, so re-pointing is idempotent (a
    // conditional SetCurrent treats a pointer that already names `ref` as done).
    double backoff = options.pointer_initial_backoff_s;
    std::string last_error = e.what();
    bool done = false;
    for (int i = 0; i < options.pointer_retries && !done; ++i, backoff *= 2) {
      LogEvent(LogLevel::kWarning, "publish_current_retry",
               {{"manifest_ref", ref}, {"retry", std::to_string(i + 1)}, {"error", last_error}});
      std::this_thread::sleep_for(std::chrono::duration<double>(backoff));
      try {
        store.SetCurrent(ref, expected);
        done = true;
      } catch (const PreconditionFailedError& lost) {
        if (expected)
          throw PublishCurrentError("manifest " + ref + " was written but another publish won: " +
                                        lost.what(), ref, /*retryable=*/false);
        last_error = lost.what();
      } catch (const ShardyfusionError& retry_error) {
        last_error = retry_error.what();
      }
    }
    if (!done)
      throw PublishManifestError("manifest " + ref + " was written but _CURRENT could not be updated after " +
                                 std::to_string(options.pointer_retries) + " retries: " + last_error);
    if (metrics) metrics->Emit(metric_events::kWriteCurrentPublished, {{"manifest_ref", ref}});
    return ref;
  }
  if (metrics) {
    metrics->Emit(metric_events::kWriteManifestPublished, {{"manifest_ref", ref}});
    metrics->Emit(metric_events::kWriteCurrentPublished, {{"manifest_ref", ref}});
  }
  return ref;
}

size_t CleanupLosers(StoreResolver& resolver, const std::vector<std::string>& loser_urls) {
  size_t deleted = 0;
  for (const auto& url : loser_urls) {
    try {
      auto resolved = resolver.Resolve(url);
      deleted += resolved.store->DeletePrefix(resolved.key);
    } catch (const std::exception& e) {
      LogEvent(LogLevel::kWarning, "loser_cleanup_failed", {{"url", url}, {"error", e.what()}});
    }
  }
  LogEvent(LogLevel::kInfo, "losers_cleanup_completed",
           {{"urls", std::to_string(loser_urls.size())}, {"objects_deleted", std::to_string(deleted)}});
  return deleted;
}

}  // namespace shardyfusion
