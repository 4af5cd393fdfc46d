// Publishing a finished build: manifest, then `_CURRENT` (retried on its own), then
// best-effort loser cleanup.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "shardyfusion/manifest.h"
#include "shardyfusion/manifest_store.h"

namespace shardyfusion {

class MetricsCollector;
class StoreResolver;

struct PublishOptions {
  int pointer_retries = 3;  // `_CURRENT` retries after the manifest is written
  double pointer_initial_backoff_s = 1.0;
  // Set: the pointer write is a compare-and-swap against this ref ("" = no pointer yet).
  std::optional<std::string> expected_current;
};

// Returns the manifest ref.  Throws PublishManifestError when the manifest or (after
// `pointer_retries` retries) the pointer could not be written; `_CURRENT` then still
// names the previous snapshot.  With `expected_current`, losing the race to another
// publisher throws PublishCurrentError (not retryable, both refs in the message) and is
// never retried.
std::string PublishSnapshot(ManifestStore& store, const RequiredBuildMeta& build,
                            const std::vector<RequiredShardMeta>& winners,
                            const std::string& custom_json, const PublishOptions& options,
                            const std::shared_ptr<MetricsCollector>& metrics);

// Deletes every `<url>/` prefix; failures are logged, never thrown.  Returns objects deleted.
size_t CleanupLosers(StoreResolver& resolver, const std::vector<std::string>& loser_urls);

}  // namespace shardyfusion
