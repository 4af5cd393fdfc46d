// ManifestStore over any ObjectStore: the S3 layout of format.md §1.5-1.6 and §7.3.
#include <algorithm>

#include "shardyfusion/errors.h"
#include "shardyfusion/manifest_store.h"
#include "shardyfusion/observability.h"
#include "shardyfusion/store_resolver.h"
#include "shardyfusion/url.h"

namespace shardyfusion {
namespace {

constexpr std::string_view kJsonContentType = "application/json";

// The ref a `_CURRENT` body names, for messages and comparisons ("" if it names nothing).
std::string PointedRef(const std::optional<std::string>& body) {
  if (!body) return "";
  try {
    return ParseCurrentPointer(*body).manifest_ref;
  } catch (const ManifestParseError&) {
    return "<unparseable _CURRENT>";
  }
}

std::string Describe(const std::string& ref) { return ref.empty() ? "nothing" : ref; }

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
                      std::string_view custom_json,
                      const std::optional<std::string>& expected_current) override {
    std::string ref;
    try {
      std::string image = BuildSqliteManifest(build, shards, custom_json);
      std::string key = JoinUrl(root_key_, {"manifests", ManifestDirName(Now(), build.run_id),
                                            options_.manifest_name});
      PutManifest(key, image);
      ref = store_->UrlFor(key);
    } catch (const ShardyfusionError& e) {
      throw PublishManifestError("manifest publish failed for run '" + build.run_id + "'", e);
    }
    try {
      SetCurrent(ref, expected_current);
    } catch (const PreconditionFailedError& e) {
      // Only a conditional pointer write loses like this: another publisher moved it first.
      throw PublishCurrentError("manifest " + ref + " was written but another publish won: " +
                                    e.what(), ref, /*retryable=*/false);
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
    const std::string body = EncodeCurrentPointer(p);
    PutOptions put;
    put.content_type = std::string(kJsonContentType);
    if (!expected) {
      store_->Put(CurrentKey(), body, put);
      return;
    }
    // Compare-and-swap: the ETag read here is the one the PUT is conditional on.
    auto info = store_->Head(CurrentKey());
    auto current = info ? store_->Get(CurrentKey()) : std::nullopt;
    std::string actual = PointedRef(current);
    if (actual == ref && ref != *expected) return;  // an earlier attempt of ours landed
    if (actual != *expected) throw LostRace(ref, *expected, actual);
    if (current)
      put.if_match = info->etag;
    else
      put.if_none_match = true;
    try {
      store_->Put(CurrentKey(), body, put);
    } catch (const PreconditionFailedError&) {
      // Either somebody else wrote in between, or this very PUT was applied and its answer
      // lost, so the store's retry met our own write.  Look before calling it a loss.
      actual = PointedRef(store_->Get(CurrentKey()));
      if (actual == ref) return;
      throw LostRace(ref, *expected, actual);
    }
  }

  bool SupportsConditionalCurrent() const override { return store_->SupportsConditionalPut(); }

 private:
  static PreconditionFailedError LostRace(const std::string& ref, const std::string& expected,
                                          const std::string& actual) {
    return PreconditionFailedError("_CURRENT now points at " + Describe(actual) + " (expected " +
                                   (expected.empty() ? "no pointer yet" : expected) +
                                   "), so it was not moved to " + ref);
  }

  // Manifests are never overwritten: a create-only PUT where the store supports it.  When
  // that PUT was applied but its answer was lost, the store's own retry meets our object and
  // reports a lost condition; the same bytes there mean the write is ours and done.
  void PutManifest(const std::string& key, const std::string& image) {
    PutOptions put;
    put.content_type = std::string(kSqliteManifestContentType);
    put.if_none_match = store_->SupportsConditionalPut();
    try {
      store_->Put(key, image, put);
    } catch (const PreconditionFailedError& e) {
      auto stored = store_->Get(key);
      if (stored && *stored == image) {
        LogEvent(LogLevel::kInfo, "manifest_put_confirmed", {{"key", key}});
        return;
      }
      throw PreconditionFailedError(
          "manifest " + store_->UrlFor(key) + " already exists " +
          (stored ? "with different content (" + std::to_string(stored->size()) + " bytes, ours " +
                        std::to_string(image.size()) + ")"
                  : "(answered 412) but could not be read back") +
          "; refusing to overwrite it: " + e.what());
    }
  }

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
