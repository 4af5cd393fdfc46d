#include "writer/publish.h"

#include <thread>

#include "shardyfusion/errors.h"
#include "shardyfusion/observability.h"
#include "shardyfusion/store_resolver.h"

namespace shardyfusion {

std::string PublishSnapshot(ManifestStore& store, const RequiredBuildMeta& build,
                            const std::vector<RequiredShardMeta>& winners,
                            const std::string& custom_json, int pointer_retries,
                            double initial_backoff_s, const std::shared_ptr<MetricsCollector>& metrics) {
  std::string ref;
  try {
    ref = store.Publish(build, winners, custom_json);
  } catch (const PublishCurrentError& e) {
    ref = e.manifest_ref();
    if (metrics) metrics->Emit(metric_events::kWriteManifestPublished, {{"manifest_ref", ref}});
    // The manifest is complete and the ref fixed, so re-pointing is idempotent.
    double backoff = initial_backoff_s;
    std::string last_error = e.what();
    bool done = false;
    for (int i = 0; i < pointer_retries && !done; ++i, backoff *= 2) {
      LogEvent(LogLevel::kWarning, "publish_current_retry",
               {{"manifest_ref", ref}, {"retry", std::to_string(i + 1)}, {"error", last_error}});
      std::this_thread::sleep_for(std::chrono::duration<double>(backoff));
      try {
        store.SetCurrent(ref);
        done = true;
      } catch (const ShardyfusionError& retry_error) {
        last_error = retry_error.what();
      }
    }
    if (!done)
      throw PublishManifestError("manifest " + ref + " was written but _CURRENT could not be updated after " +
                                 std::to_string(pointer_retries) + " retries: " + last_error);
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
