// Run records as objects: <root>/<prefix>/<TS>_run_id=<id>_<uuid4hex>/run.yaml
// (format.md §1.7).  A ref is the record's full URL; Update/Load map it back to a key of
// the same store, so refs from another registry are rejected rather than misrouted.
#include "shardyfusion/run_registry.h"

#include <string>

#include "core/uuid.h"
#include "shardyfusion/errors.h"
#include "shardyfusion/object_store.h"
#include "shardyfusion/observability.h"
#include "shardyfusion/store_resolver.h"
#include "shardyfusion/url.h"

namespace shardyfusion {
namespace {

constexpr std::string_view kRecordName = "run.yaml";

class ObjectRunRegistry : public RunRegistry {
 public:
  ObjectRunRegistry(std::shared_ptr<ObjectStore> store, std::string prefix_key)
      : store_(std::move(store)), prefix_key_(std::move(prefix_key)) {}

  std::string Create(const RunRecord& record) override {
    std::string dir = FormatDirTime(Now()) + "_run_id=" + record.run_id + "_" + Uuid4Hex();
    std::string key = prefix_key_ + "/" + dir + "/" + std::string(kRecordName);
    Put(key, record);
    return store_->UrlFor(key);
  }

  void Update(const std::string& ref, const RunRecord& record) override {
    Put(KeyForRef(ref), record);
  }

  std::optional<RunRecord> Load(const std::string& ref) override {
    auto body = store_->Get(KeyForRef(ref));
    if (!body) return std::nullopt;
    return ParseRunRecord(*body);
  }

  std::vector<std::pair<std::string, RunRecord>> ListRecords() override {
    std::vector<std::pair<std::string, RunRecord>> out;
    const std::string suffix = "/" + std::string(kRecordName);
    for (const ObjectInfo& info : ListAllObjects(*store_, prefix_key_ + "/")) {
      if (info.key.size() < suffix.size() ||
          info.key.compare(info.key.size() - suffix.size(), suffix.size(), suffix) != 0)
        continue;
      std::string ref = store_->UrlFor(info.key);
      try {
        auto body = store_->Get(info.key);
        if (!body) continue;  // deleted since the listing
        out.emplace_back(ref, ParseRunRecord(*body));
      } catch (const ManifestParseError& e) {
        // One corrupt or foreign record must not hide the others from cleanup.
        LogEvent(LogLevel::kWarning, "run_record_parse_failed",
                 {{"ref", ref}, {"error", e.what()}});
      }
    }
    return out;
  }

 private:
  void Put(const std::string& key, const RunRecord& record) {
    PutOptions options;
    options.content_type = "application/x-yaml";
    store_->Put(key, EncodeRunRecord(record), options);
  }

  std::string KeyForRef(const std::string& ref) const {
    std::string base = store_->UrlFor(prefix_key_) + "/";
    if (ref.size() <= base.size() || ref.compare(0, base.size(), base) != 0)
      throw ConfigValidationError("run record ref '" + ref + "' is not under " + base);
    return prefix_key_ + "/" + ref.substr(base.size());
  }

  std::shared_ptr<ObjectStore> store_;
  std::string prefix_key_;  // <root key>/<registry prefix>, no trailing '/'
};

}  // namespace

std::shared_ptr<RunRegistry> MakeObjectRunRegistry(StoreResolver& resolver,
                                                   const std::string& root_url,
                                                   const std::string& registry_prefix) {
  ValidatePathSegment(registry_prefix, "run_registry_prefix");
  StoreResolver::Resolved resolved = resolver.Resolve(root_url);
  std::string prefix_key = resolved.key;
  while (!prefix_key.empty() && prefix_key.back() == '/') prefix_key.pop_back();
  while (!prefix_key.empty() && prefix_key.front() == '/') prefix_key.erase(0, 1);
  prefix_key = prefix_key.empty() ? registry_prefix : prefix_key + "/" + registry_prefix;
  return std::make_shared<ObjectRunRegistry>(std::move(resolved.store), std::move(prefix_key));
}

}  // namespace shardyfusion
