// In-memory ObjectStore for unit tests (the LevelDB "MemEnv" idea).
#include <map>
#include <mutex>

#include "shardyfusion/errors.h"
#include "shardyfusion/object_store.h"

namespace shardyfusion {
namespace {

class MemoryObjectStore final : public ObjectStore {
 public:
  explicit MemoryObjectStore(std::string name) : name_(std::move(name)) {}

  std::string UrlFor(std::string_view key) const override {
    return "mem://" + name_ + "/" + std::string(key);
  }

  PutResult Put(const std::string& key, std::string_view body,
                const PutOptions& options) override {
    std::lock_guard lock(mu_);
    auto it = objects_.find(key);
    if (options.if_none_match && it != objects_.end())
      throw PreconditionFailedError("object already exists: " + UrlFor(key));
    if (options.if_match && (it == objects_.end() || it->second.etag != *options.if_match))
      throw PreconditionFailedError("ETag mismatch for " + UrlFor(key));
    Entry& e = objects_[key];
    e.body.assign(body);
    e.etag = "\"m" + std::to_string(++version_) + "\"";
    return {e.etag};
  }

  std::optional<std::string> Get(const std::string& key) override {
    std::lock_guard lock(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return std::nullopt;
    return it->second.body;
  }

  std::vector<std::string> GetRanges(const std::string& key,
                                     const std::vector<ByteRange>& ranges) override {
    std::lock_guard lock(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) throw ObjectNotFoundError("no such object: " + UrlFor(key));
    const std::string& body = it->second.body;
    std::vector<std::string> out;
    out.reserve(ranges.size());
    for (const auto& r : ranges) {
      if (r.offset >= body.size()) {
        out.emplace_back();
      } else {
        out.push_back(body.substr(r.offset, r.length));
      }
    }
    return out;
  }

  std::optional<ObjectInfo> Head(const std::string& key) override {
    std::lock_guard lock(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return std::nullopt;
    return ObjectInfo{key, it->second.body.size(), it->second.etag};
  }

  ListPage List(const std::string& prefix, const std::string& delimiter,
                const std::string& token, size_t max_keys) override {
    std::lock_guard lock(mu_);
    ListPage page;
    std::string last;  // last key or common prefix emitted (continuation is "after this")
    auto it = token.empty() ? objects_.lower_bound(prefix) : objects_.upper_bound(token);
    const bool token_is_prefix = !token.empty() && !delimiter.empty() &&
                                 token.size() >= delimiter.size() &&
                                 token.ends_with(delimiter);
    for (; it != objects_.end(); ++it) {
      const std::string& key = it->first;
      if (key.compare(0, prefix.size(), prefix) != 0) break;
      if (token_is_prefix && key.compare(0, token.size(), token) == 0)
        continue;  // still inside a common prefix returned on the previous page
      if (page.objects.size() + page.common_prefixes.size() >= max_keys) {
        page.next_token = last;
        break;
      }
      size_t pos = delimiter.empty() ? std::string::npos : key.find(delimiter, prefix.size());
      if (pos != std::string::npos) {
        std::string common = key.substr(0, pos + delimiter.size());
        if (page.common_prefixes.empty() || page.common_prefixes.back() != common) {
          page.common_prefixes.push_back(common);
          last = common;
        }
        continue;
      }
      page.objects.push_back({key, it->second.body.size(), it->second.etag});
      last = key;
    }
    return page;
  }

  void Delete(const std::string& key) override {
    std::lock_guard lock(mu_);
    objects_.erase(key);
  }

 private:
  struct Entry {
    std::string body;
    std::string etag;
  };
  const std::string name_;
  std::mutex mu_;
  std::map<std::string, Entry> objects_;
  uint64_t version_ = 0;
};

}  // namespace

std::shared_ptr<ObjectStore> MakeMemoryObjectStore(std::string name) {
  return std::make_shared<MemoryObjectStore>(std::move(name));
}

}  // namespace shardyfusion
