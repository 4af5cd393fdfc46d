#include "slatedb/slatedb_bridge.h"

#include <memory>

#include "shardyfusion/errors.h"
#include "shardyfusion/url.h"
#include "storage/s3/s3_config.h"

namespace shardyfusion::slatedb {

void Check(int32_t code, char* err, std::string_view what) {
  if (code == SFS_OK) return;
  std::unique_ptr<char, void (*)(char*)> owned(err, sfs_string_free);
  std::string message = std::string(what) + ": " + (err ? err : "unknown slatedb error");
  switch (code) {
    case SFS_UNAVAILABLE:
      throw DbAdapterError(message, /*retryable=*/true);
    case SFS_INVALID:
      throw ConfigValidationError(message);
    default:
      throw DbAdapterError(message);
  }
}

void ResolveTarget(StoreResolver& resolver, std::string_view db_url, BridgeTarget& out) {
  StorageUrl url = ParseStorageUrl(db_url);
  out.options = {};
  if (url.scheme == "file") {
    out.url = "/" + url.key;
    return;
  }
  if (url.scheme != "s3")
    throw ConfigValidationError("SlateDB shards need an s3:// or local URL, not '" +
                                std::string(db_url) +
                                "' (the Rust side cannot reach an in-process store)");
  s3::S3Config config = s3::ResolveS3Config(url.bucket, resolver.s3_options());
  out.url = "s3://" + url.bucket + "/" + url.key;
  out.endpoint = config.options.endpoint_url;
  out.region = config.region;
  out.access_key_id = config.credentials.access_key_id;
  out.secret_access_key = config.credentials.secret_access_key;
  out.session_token = config.credentials.session_token;
  // Same addressing rule as our own S3 client (s3_options.cc): the bucket URL tells.
  bool virtual_hosted = config.bucket_url.find("://" + url.bucket + ".") != std::string::npos;
  out.options.endpoint = out.endpoint.c_str();
  out.options.region = out.region.c_str();
  out.options.access_key_id = out.access_key_id.c_str();
  out.options.secret_access_key = out.secret_access_key.c_str();
  out.options.session_token = out.session_token.c_str();
  out.options.path_style = virtual_hosted ? 0 : 1;
  out.options.allow_http = out.endpoint.starts_with("http://") ? 1 : 0;
}

}  // namespace shardyfusion::slatedb
