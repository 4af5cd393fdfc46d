// Environment resolution and validation of S3Options.
#include "shardyfusion/s3_options.h"

#include <cmath>
#include <cstdlib>
#include <initializer_list>
#include <string>

#include "shardyfusion/errors.h"
#include "storage/s3/s3_config.h"

namespace shardyfusion {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? std::string(value) : std::string();
}

std::string FirstEnv(std::initializer_list<const char*> names) {
  for (const char* name : names) {
    if (std::string value = Env(name); !value.empty()) return value;
  }
  return {};
}

// A key id and its secret only make sense together, so the S3_* family wins only when
// both of its halves are set; the families are never mixed.
std::optional<S3Credentials> CredentialsFromEnv(const char* family) {
  std::string prefix(family);
  S3Credentials creds;
  creds.access_key_id = Env((prefix + "_ACCESS_KEY_ID").c_str());
  creds.secret_access_key = Env((prefix + "_SECRET_ACCESS_KEY").c_str());
  if (creds.access_key_id.empty() || creds.secret_access_key.empty()) return std::nullopt;
  creds.session_token = Env((prefix + "_SESSION_TOKEN").c_str());
  return creds;
}

}  // namespace

S3Options S3OptionsWithEnvironment(S3Options base) {
  if (base.endpoint_url.empty()) {
    // AWS_ENDPOINT_URL_S3 is the SDKs' service-specific override; it beats the generic one.
    base.endpoint_url = FirstEnv(
        {"S3_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL", "SLATEDB_S3_ENDPOINT_URL"});
  }
  if (base.region.empty()) {
    base.region = FirstEnv({"S3_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"});
    if (base.region.empty()) base.region = "us-east-1";
  }
  if (!base.credentials) {
    base.credentials = CredentialsFromEnv("S3");
    if (!base.credentials) base.credentials = CredentialsFromEnv("AWS");
  }
  return base;
}

namespace s3 {
namespace {

[[noreturn]] void Invalid(const std::string& field, const std::string& value,
                          const std::string& why) {
  throw ConfigValidationError("S3 option " + field + "='" + value + "' is invalid: " + why);
}

void CheckPositive(const char* field, double value) {
  if (!(value > 0) || !std::isfinite(value)) {
    Invalid(field, std::to_string(value), "must be a positive number");
  }
}

// Bucket names are DNS-like; anything with '/', '?', '#' or spaces would corrupt the URL.
void CheckBucket(const std::string& bucket) {
  if (bucket.empty()) Invalid("bucket", bucket, "must not be empty");
  for (char c : bucket) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == '_';
    if (!ok) Invalid("bucket", bucket, "only letters, digits, '-', '.' and '_' are allowed");
  }
}

}  // namespace

S3Config ResolveS3Config(const std::string& bucket, const S3Options& raw) {
  CheckBucket(bucket);
  S3Config config;
  config.bucket = bucket;
  config.options = S3OptionsWithEnvironment(raw);
  const S3Options& o = config.options;
  config.region = o.region;
  for (char c : config.region) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      Invalid("region", config.region, "expected something like 'us-east-1'");
    }
  }
  if (!o.credentials) {
    throw ConfigValidationError(
        "S3 credentials missing for bucket '" + bucket +
        "': pass S3Options.credentials or set S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY "
        "(or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)");
  }
  config.credentials = *o.credentials;
  if (config.credentials.access_key_id.empty() || config.credentials.secret_access_key.empty()) {
    Invalid("credentials.access_key_id", config.credentials.access_key_id,
            "key id and secret must both be set");
  }
  CheckPositive("connect_timeout_s", o.connect_timeout_s);
  CheckPositive("read_timeout_s", o.read_timeout_s);
  CheckPositive("initial_backoff_s", o.initial_backoff_s);
  CheckPositive("max_backoff_s", o.max_backoff_s);
  CheckPositive("retry_budget_s", o.retry_budget_s);
  if (o.max_attempts < 1) Invalid("max_attempts", std::to_string(o.max_attempts), "must be >= 1");
  constexpr uint64_t kMinPart = 5ull << 20;  // S3 rejects smaller non-final parts
  constexpr uint64_t kMaxPart = 5ull << 30;
  if (o.multipart_part_bytes < kMinPart || o.multipart_part_bytes > kMaxPart) {
    Invalid("multipart_part_bytes", std::to_string(o.multipart_part_bytes),
            "S3 parts must be between 5 MiB and 5 GiB");
  }

  // Split the endpoint into scheme, authority and an optional base path.
  std::string endpoint = o.endpoint_url;
  bool custom_endpoint = !endpoint.empty();
  if (!custom_endpoint) endpoint = "https://s3." + config.region + ".amazonaws.com";
  size_t scheme_end = endpoint.find("://");
  std::string scheme = scheme_end == std::string::npos ? "" : endpoint.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    Invalid("endpoint_url", endpoint, "must start with http:// or https://");
  }
  std::string rest = endpoint.substr(scheme_end + 3);
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  std::string base_path = slash == std::string::npos ? "" : rest.substr(slash);
  if (authority.empty() || rest.find_first_of("?#") != std::string::npos) {
    Invalid("endpoint_url", endpoint, "expected scheme://host[:port][/path]");
  }

  S3Addressing addressing = o.addressing;
  if (addressing == S3Addressing::kAuto) {
    // Custom endpoints (MinIO, moto, Garage) rarely have wildcard DNS; dotted bucket names
    // break the TLS wildcard certificate of virtual-hosted AWS URLs.
    bool dotted = bucket.find('.') != std::string::npos;
    addressing = custom_endpoint || dotted ? S3Addressing::kPath : S3Addressing::kVirtual;
  }
  if (addressing == S3Addressing::kPath) {
    config.bucket_url = scheme + "://" + authority + base_path + "/" + bucket;
  } else {
    config.bucket_url = scheme + "://" + bucket + "." + authority + base_path;
  }
  return config;
}

}  // namespace s3
}  // namespace shardyfusion
