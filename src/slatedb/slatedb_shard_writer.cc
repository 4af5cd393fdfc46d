#include "slatedb/slatedb_shard_writer.h"

#include <nlohmann/json.hpp>
#include <vector>

#include "shardyfusion/errors.h"
#include "slatedb/slatedb_bridge.h"

namespace shardyfusion {
namespace {

class SlateDbShardWriter : public ShardWriter {
 public:
  SlateDbShardWriter(StoreResolver& resolver, const std::string& db_url,
                     const std::string& settings_json)
      : db_url_(db_url) {
    slatedb::BridgeTarget target;
    slatedb::ResolveTarget(resolver, db_url, target);
    char* err = nullptr;
    int32_t rc =
        sfs_writer_open(target.url.c_str(), &target.options,
                        settings_json.empty() ? nullptr : settings_json.c_str(), &w_, &err);
    slatedb::Check(rc, err, "open slatedb writer " + db_url_);
  }

  // An abandoned writer stops SlateDB's tasks; what it wrote stays an unpublished attempt.
  ~SlateDbShardWriter() override { sfs_writer_free(w_); }

  void WriteBatch(std::span<const KvPair> rows) override {
    RequireWritable();
    keys_.clear();
    values_.clear();
    for (const auto& [k, v] : rows) {
      keys_.push_back(slatedb::Slice(k));
      values_.push_back(slatedb::Slice(v));
    }
    Call("write to", [&](char** err) {
      return sfs_writer_put_batch(w_, keys_.data(), values_.data(), rows.size(), err);
    });
  }

  void Flush() override {
    RequireWritable();
    Call("flush", [&](char** err) { return sfs_writer_flush(w_, err); });
  }

  // Flush already made every row durable (format.md §5.1): nothing left to finalise.
  void Seal() override {
    RequireWritable();
    state_ = State::kSealed;
  }

  int64_t DbBytes() const override { return 0; }

  void Close() override {
    if (state_ == State::kClosed) return;
    if (state_ == State::kFailed) {
      state_ = State::kClosed;
      throw DbAdapterError("a write to slatedb shard " + db_url_ +
                           " failed; refusing to close it as complete");
    }
    if (state_ == State::kWriting) {
      Flush();
      state_ = State::kSealed;
    }
    Call("close", [&](char** err) { return sfs_writer_close(w_, err); });
    state_ = State::kClosed;
  }

 private:
  enum class State { kWriting, kSealed, kFailed, kClosed };

  void RequireWritable() const {
    if (state_ == State::kWriting) return;
    if (state_ == State::kFailed)
      throw DbAdapterError("slatedb shard " + db_url_ + " failed earlier; cannot write to it");
    throw DbAdapterError("cannot write to slatedb shard " + db_url_ +
                         (state_ == State::kSealed ? " after seal" : ": closed"));
  }

  template <typename F>
  void Call(const char* what, F&& f) {
    char* err = nullptr;
    int32_t rc = f(&err);
    if (rc != SFS_OK) state_ = State::kFailed;
    slatedb::Check(rc, err, std::string(what) + " slatedb shard " + db_url_);
  }

  std::string db_url_;
  sfs_writer* w_ = nullptr;
  State state_ = State::kWriting;
  std::vector<sfs_slice> keys_, values_;  // reused across batches
};

}  // namespace

std::string SlateDbSettingsJson(const SlateDbWriteOptions& options) {
  if (options.settings.empty()) return "";
  nlohmann::json pairs = nlohmann::json::object();
  for (const auto& [key, literal] : options.settings) {
    try {
      pairs[key] = nlohmann::json::parse(literal);
    } catch (const nlohmann::json::exception&) {
      throw ConfigValidationError("slatedb setting " + key + "='" + literal +
                                  "' is not a JSON literal");
    }
  }
  return pairs.dump();
}

SlateDbShardWriterFactory::SlateDbShardWriterFactory(SlateDbWriteOptions options,
                                                     std::shared_ptr<StoreResolver> resolver)
    : options_(std::move(options)),
      resolver_(resolver ? std::move(resolver) : DefaultStoreResolver()),
      settings_json_(SlateDbSettingsJson(options_)) {}

std::unique_ptr<ShardWriter> SlateDbShardWriterFactory::Open(const std::string& db_url,
                                                             const std::string&) {
  return OpenAt(*resolver_, db_url, settings_json_);
}

std::unique_ptr<ShardWriter> SlateDbShardWriterFactory::OpenAt(StoreResolver& resolver,
                                                               const std::string& db_url,
                                                               const std::string& settings_json) {
  return std::make_unique<SlateDbShardWriter>(resolver, db_url, settings_json);
}

}  // namespace shardyfusion
