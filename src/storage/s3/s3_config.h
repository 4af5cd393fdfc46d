// Resolved, validated settings of one S3 store (internal).
#pragma once

#include <string>

#include "shardyfusion/s3_options.h"

namespace shardyfusion::s3 {

struct S3Config {
  std::string bucket;
  std::string region;
  S3Credentials credentials;
  // Everything before the object path, e.g. "http://127.0.0.1:5000/bucket" (path style) or
  // "https://bucket.s3.eu-west-1.amazonaws.com" (virtual hosted).  No trailing '/'.
  std::string bucket_url;
  S3Options options;  // timeouts, retries, multipart sizes (env already applied)
};

// Applies the environment, checks every field and builds the bucket URL.  Throws
// ConfigValidationError naming the field and the value.
S3Config ResolveS3Config(const std::string& bucket, const S3Options& options);

}  // namespace shardyfusion::s3
