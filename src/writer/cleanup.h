// Internals of the deferred cleanup (include/shardyfusion/cleanup.h).
#pragma once

#include <cstddef>
#include <string>

#include "shardyfusion/object_store.h"

namespace shardyfusion::cleanup_internal {

// Deletes every object under `key`/ (or, in a dry run, only counts them).
size_t DeleteOrCount(ObjectStore& store, const std::string& key, bool dry_run);

// `key` without trailing '/'.
std::string TrimSlash(std::string key);

}  // namespace shardyfusion::cleanup_internal
