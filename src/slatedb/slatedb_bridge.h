// Thin C++ helpers over the Rust crate's C ABI (rust/include/shardyfusion_slatedb.h):
// error translation, URL -> (SlateDB URL, S3 settings), and byte views.  Internal.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "shardyfusion/store_resolver.h"
#include "shardyfusion_slatedb.h"

namespace shardyfusion::slatedb {

// Throws for a non-zero code, freeing `err`: SFS_UNAVAILABLE becomes a retryable
// DbAdapterError (a shard write is then retried), SFS_INVALID a ConfigValidationError,
// everything else a non-retryable DbAdapterError.  `what` names the operation and URL.
void Check(int32_t code, char* err, std::string_view what);

// Where the bridge finds a shard, with the S3 settings of the resolver it came from.
// Owns the strings `options` points into: keep it alive while `options` is used.
struct BridgeTarget {
  std::string url;  // s3://bucket/key or /absolute/path
  std::string endpoint, region, access_key_id, secret_access_key, session_token;
  sfs_store_options options{};

  BridgeTarget() = default;
  BridgeTarget(const BridgeTarget&) = delete;
  BridgeTarget& operator=(const BridgeTarget&) = delete;
};

// s3:// and file:// (or plain path) URLs only: an in-memory store lives in C++ and the
// Rust side cannot reach it, so mem:// throws ConfigValidationError.
void ResolveTarget(StoreResolver& resolver, std::string_view db_url, BridgeTarget& out);

inline sfs_slice Slice(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace shardyfusion::slatedb
