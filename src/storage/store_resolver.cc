#include "shardyfusion/store_resolver.h"

#include "shardyfusion/errors.h"
#include "shardyfusion/url.h"

namespace shardyfusion {

StoreResolver::StoreResolver(S3Options s3_options) : s3_options_(std::move(s3_options)) {}

void StoreResolver::Register(const std::string& scheme, const std::string& bucket,
                             std::shared_ptr<ObjectStore> store) {
  std::lock_guard lock(mu_);
  stores_[{scheme, bucket}] = std::move(store);
}

StoreResolver::Resolved StoreResolver::Resolve(std::string_view url) {
  StorageUrl parsed = ParseStorageUrl(url);
  std::lock_guard lock(mu_);
  auto& slot = stores_[{parsed.scheme, parsed.bucket}];
  if (!slot) {
    if (parsed.scheme == "file") {
      slot = MakeLocalObjectStore("/");  // keys are absolute paths without the leading '/'
    } else if (parsed.scheme == "s3") {
      slot = MakeS3ObjectStore(parsed.bucket, s3_options_);
    } else {
      stores_.erase({parsed.scheme, parsed.bucket});
      throw ConfigValidationError("no store is registered for '" + std::string(url) + "'");
    }
  }
  return {slot, parsed.key};
}

std::shared_ptr<StoreResolver> DefaultStoreResolver() {
  static auto resolver = std::make_shared<StoreResolver>(S3OptionsWithEnvironment());
  return resolver;
}

}  // namespace shardyfusion
