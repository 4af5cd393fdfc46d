// Connection settings for S3-compatible stores (AWS, MinIO, Garage, moto ...).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace shardyfusion {

class ObjectStore;

struct S3Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty when not used
};

enum class S3Addressing { kAuto, kPath, kVirtual };

struct S3Options {
  // Empty: https://s3.<region>.amazonaws.com.  An http:// endpoint turns TLS off.
  std::string endpoint_url;
  std::string region;  // empty: S3_REGION / AWS_REGION / AWS_DEFAULT_REGION, else us-east-1
  S3Addressing addressing = S3Addressing::kAuto;  // auto: path style with a custom endpoint
  std::optional<S3Credentials> credentials;       // empty: S3_* then AWS_* environment
  bool verify_ssl = true;
  double connect_timeout_s = 10;
  double read_timeout_s = 30;
  // Retries of 5xx / 429 / timeouts / connection errors: exponential backoff with jitter.
  int max_attempts = 6;  // 1 try + 5 retries
  double initial_backoff_s = 0.2;
  double max_backoff_s = 4.0;
  double retry_budget_s = 30.0;  // no new attempt starts after this much time
  uint64_t multipart_threshold_bytes = 64ull << 20;
  uint64_t multipart_part_bytes = 16ull << 20;
};

// Fills empty fields of `base` from the environment (S3_* first, then AWS_*; endpoint
// from S3_ENDPOINT_URL / AWS_ENDPOINT_URL / SLATEDB_S3_ENDPOINT_URL).
S3Options S3OptionsWithEnvironment(S3Options base = {});

// A store for one bucket.  Throws ConfigValidationError on bad options.
std::shared_ptr<ObjectStore> MakeS3ObjectStore(const std::string& bucket, const S3Options& options);

}  // namespace shardyfusion
