// Storage URLs and path joining (format.md §1.1).
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace shardyfusion {

// A parsed storage URL.  s3://bucket/key, mem://name/key, file:///abs/path (host empty,
// key = path without the leading '/').  A plain path is treated as a file:// URL.
struct StorageUrl {
  std::string scheme;  // "s3", "file" or "mem"
  std::string bucket;  // host part; empty for file
  std::string key;     // no leading '/'
  std::string ToString() const;
};

// Throws ConfigValidationError naming the URL when it cannot be parsed.
StorageUrl ParseStorageUrl(std::string_view url);

// join_s3: strip trailing '/' from the base, leading and trailing '/' from every other
// part, drop empty parts, join with '/'.
std::string JoinUrl(std::string_view base, std::initializer_list<std::string_view> parts);

// Validates an s3_prefix-like root: parseable, and a non-empty key path.
void ValidateRootUrl(std::string_view url, std::string_view field);

// A single safe path segment ([A-Za-z0-9._-], non-empty, not "." or ".."), as required of
// shard_prefix / run_registry_prefix.  Throws ConfigValidationError naming `field`.
void ValidatePathSegment(std::string_view value, std::string_view field);

}  // namespace shardyfusion
