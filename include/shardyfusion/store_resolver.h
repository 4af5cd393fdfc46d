// Maps storage URLs (s3://bucket/..., file:///..., plain paths, mem://name/...) to the
// ObjectStore that serves them, creating one S3 client per bucket and sharing it.
//
// Thread-safe.  Stores are shared (shared_ptr) and live as long as any user holds them.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "shardyfusion/object_store.h"
#include "shardyfusion/s3_options.h"

namespace shardyfusion {

class StoreResolver {
 public:
  explicit StoreResolver(S3Options s3_options = {});

  // Serves scheme://bucket/... from `store` (tests register in-memory stores this way).
  void Register(const std::string& scheme, const std::string& bucket,
                std::shared_ptr<ObjectStore> store);

  struct Resolved {
    std::shared_ptr<ObjectStore> store;
    std::string key;  // the object key (or key prefix) inside `store`
  };
  // Throws ConfigValidationError for unparseable URLs or unregistered mem:// names.
  Resolved Resolve(std::string_view url);

  const S3Options& s3_options() const { return s3_options_; }

 private:
  S3Options s3_options_;
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<ObjectStore>> stores_;
};

// A process-wide resolver using S3 settings from the environment.
std::shared_ptr<StoreResolver> DefaultStoreResolver();

}  // namespace shardyfusion
