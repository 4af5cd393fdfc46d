// ObjectStore::List over a local directory tree (the local store's key layout).
#pragma once

#include <cstddef>
#include <string>

#include "shardyfusion/object_store.h"

namespace shardyfusion::local_layout {

// One page of keys under `root_dir`, in bytewise key order like S3, skipping our hidden
// files.  The continuation token is the last key or common prefix returned.  Walks only
// the directories the prefix and token allow, and stops once the page is full; with the
// '/' delimiter a common prefix is reported without walking its subtree.  Entries that
// vanish while listing are skipped.  Throws ObjectStoreError if a directory is unreadable.
ListPage ListTree(const std::string& root_dir, const std::string& prefix,
                  const std::string& delimiter, const std::string& token, size_t max_keys);

}  // namespace shardyfusion::local_layout
