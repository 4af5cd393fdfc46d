// ManifestStore over any ObjectStore: the S3 layout of format.md §1.5-1.6 and §7.3.
#include <algorithm>

#include "shardyfusion/errors.h"
#include "shardyfusion/manifest_store.h"
#include "shardyfusion/store_resolver.h"
#include "shardyfusion/url.h"

namespace shardyfusion {
namespace {

constexpr std::string_view kJsonContentType = "application/json";

class ObjectManifestStore final : public ManifestStore {
 public:
  ObjectManifestStore(std::shared_ptr<ObjectStore> store, std::string root_url, std::string root_key,
                      ManifestStoreOptions options)
      : store_(std::move(store)),
        root_url_(std::move(root_url)),
        root_key_(JoinUrl(root_key, {})),
        options_(std::move(options)) {}

  std::string root_url() const override { return root_url_; }

  std::string Publish(const RequiredBuildMeta& build, const std::vector<RequiredShardMeta>& shards,
                      std::string_view custom_json) override {
    std::string ref;
    try {
      std::string image = BuildSqliteManifest(build, shards, custom_json);
      std::string key = JoinUrl(root_key_, {"manifests", ManifestDirName(Now(), build.run_id),
                                            options_.manifest_name});
      PutOptions put;
      put.content_type = std::string(kSqliteManifestContentType);
      put.if_none_match = store_->SupportsConditionalPut();  // manifests are never overwritten
      store_->Put(key, image, put);
      ref = store_->UrlFor(key);
    } catch (const ShardyfusionError& e) {
      throw PublishManifestError("manifest publish failed for run '" + build.run_id + "'", e);
    }
    try {
      SetCurrent(ref, std::nullopt);
    } catch (const ShardyfusionError& e) {
      throw PublishCurrentError("manifest " + ref + " was written but _CURRENT was not updated: " +
                                    e.what(), ref, e.retryable());
    }
    return ref;
  }

  std::optional<ManifestRef> LoadCurrent() override {
    auto body = store_->Get(CurrentKey());
    if (!body) return std::nullopt;
    CurrentPointer p = ParseCurrentPointer(*body);
    return ManifestRef{p.manifest_ref, p.run_id, p.updated_at};
  }

  ParsedManifest LoadManifest(const std::string& ref) override {
    auto body = store_->Get(KeyForRef(ref));
    if (!body) throw ObjectNotFoundError("manifest not found: " + ref);
    return ParseSqliteManifest(*body);
  }

  std::vector<ManifestRef> ListManifests(size_t limit) override {
    std::string dir = JoinUrl(root_key_, {"manifests"}) + "/";
    std::vector<ManifestRef> refs;
    for (const auto& prefix : ListAllCommonPrefixes(*store_, dir)) {
      auto parsed = ParseManifestDirName(std::string_view(prefix).substr(dir.size()));
      if (!parsed) continue;
      parsed->ref = store_->UrlFor(JoinUrl(prefix, {options_.manifest_name}));
      refs.push_back(std::move(*parsed));
    }
    std::stable_sort(refs.begin(), refs.end(), [](const ManifestRef& a, const ManifestRef& b) {
      return a.published_at != b.published_at ? a.published_at > b.published_at : a.ref > b.ref;
    });
    if (refs.size() > limit) refs.resize(limit);
    return refs;
  }

  void SetCurrent(const std::string& ref, const std::optional<std::string>& expected) override {
    std::string run_id = RunIdFromRef(ref);
    if (run_id.empty())
      throw ConfigValidationError("manifest ref has no run_id= segment: '" + ref + "'");
    // Stricter than the reference: refuse to point readers at a manifest that is not there.
    if (!store_->Head(KeyForRef(ref))) throw ObjectNotFoundError("manifest not found: " + ref);
    CurrentPointer p;
    p.manifest_ref = ref;
    p.run_id = run_id;
    p.updated_at = Now();
    PutOptions put;
    put.content_type = std::string(kJsonContentType);
    if (expected) {
      auto info = store_->Head(CurrentKey());
      auto body = info ? store_->Get(CurrentKey()) : std::nullopt;
      if (!body || ParseCurrentPointer(*body).manifest_ref != *expected)
        throw PreconditionFailedError("_CURRENT no longer points at " + *expected);
      put.if_match = info->etag;
    }
    store_->Put(CurrentKey(), EncodeCurrentPointer(p), put);
  }

 private:
  std::string CurrentKey() const { return JoinUrl(root_key_, {options_.current_pointer_key}); }

  // Refs must live in this store (the reference silently reads the wrong bucket otherwise).
  std::string KeyForRef(const std::string& ref) const {
    StorageUrl ours = ParseStorageUrl(store_->UrlFor(""));
    StorageUrl theirs = ParseStorageUrl(ref);
    if (theirs.scheme != ours.scheme || theirs.bucket != ours.bucket)
      throw ConfigValidationError("manifest ref '" + ref + "' is not in the store of " + root_url_);
    return theirs.key;
  }

  std::shared_ptr<ObjectStore> store_;
  std::string root_url_;
  std::string root_key_;
  ManifestStoreOptions options_;
};

}  // namespace

std::shared_ptr<ManifestStore> MakeObjectManifestStore(StoreResolver& resolver,
                                                       const std::string& root_url,
                                                       ManifestStoreOptions options) {
  ValidateRootUrl(root_url, "manifest store root");
  ValidatePathSegment(options.current_pointer_key, "current_pointer_key");
  ValidatePathSegment(options.manifest_name, "manifest_name");
  auto resolved = resolver.Resolve(root_url);
  return std::make_shared<ObjectManifestStore>(resolved.store, root_url, resolved.key,
                                               std::move(options));
}

std::shared_ptr<ManifestStore> MakeInMemoryManifestStore() {
  StoreResolver resolver;
  resolver.Register("mem", "manifests", MakeMemoryObjectStore("manifests"));
  return MakeObjectManifestStore(resolver, "mem://manifests/snapshot");
}

}  // namespace shardyfusion
