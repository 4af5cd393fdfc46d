// Publishing a finished build: manifest, then `_CURRENT` (retried on its own), then
// best-effort loser cleanup.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "shardyfusion/manifest.h"
#include "shardyfusion/manifest_store.h"

namespace shardyfusion {

class MetricsCollector;
class StoreResolver;

// Returns the manifest ref.  Throws PublishManifestError when the manifest or (after
// `pointer_retries` retries) the pointer could not be written; `_CURRENT` then still
// names the previous snapshot.
std::string PublishSnapshot(ManifestStore& store, const RequiredBuildMeta& build,
                            const std::vector<RequiredShardMeta>& winners,
                            const std::string& custom_json, int pointer_retries,
                            double initial_backoff_s, const std::shared_ptr<MetricsCollector>& metrics);

// Deletes every `<url>/` prefix; failures are logged, never thrown.  Returns objects deleted.
size_t CleanupLosers(StoreResolver& resolver, const std::vector<std::string>& loser_urls);

}  // namespace shardyfusion
