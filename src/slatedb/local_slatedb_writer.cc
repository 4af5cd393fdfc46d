#include "slatedb/local_slatedb_writer.h"

#include <filesystem>

#include "shardyfusion/errors.h"
#include "slatedb/slatedb_shard_writer.h"

namespace shardyfusion {
namespace fs = std::filesystem;
namespace {

constexpr const char* kStoreDir = "_slatedb_store";

class LocalSlateDbShardWriter : public ShardWriter {
 public:
  LocalSlateDbShardWriter(StoreResolver& resolver, std::string db_url, fs::path store_dir,
                          const std::string& settings_json)
      : resolver_(resolver), db_url_(std::move(db_url)), store_dir_(std::move(store_dir)) {
    inner_ = SlateDbShardWriterFactory::OpenAt(resolver, store_dir_.string(), settings_json);
  }

  void WriteBatch(std::span<const KvPair> rows) override { inner_->WriteBatch(rows); }
  void Flush() override { inner_->Flush(); }

  // Shut SlateDB down here so the directory is final and its size known (db_bytes).
  void Seal() override {
    if (sealed_) throw DbAdapterError("slatedb shard " + db_url_ + " already sealed");
    inner_->Seal();
    inner_->Close();
    db_bytes_ = 0;
    for (const auto& entry : fs::recursive_directory_iterator(store_dir_))
      if (entry.is_regular_file()) db_bytes_ += static_cast<int64_t>(entry.file_size());
    sealed_ = true;
  }

  int64_t DbBytes() const override { return db_bytes_; }

  void Close() override {
    if (closed_) return;
    if (!sealed_) Seal();
    std::string base = db_url_;
    while (!base.empty() && base.back() == '/') base.pop_back();
    for (const auto& entry : fs::recursive_directory_iterator(store_dir_)) {
      if (!entry.is_regular_file()) continue;
      std::string relative = fs::relative(entry.path(), store_dir_).generic_string();
      auto target = resolver_.Resolve(base + "/" + relative);
      target.store->PutFile(target.key, entry.path().string());
    }
    closed_ = true;
  }

 private:
  StoreResolver& resolver_;  // owned by the factory's caller, outlives the writer
  std::string db_url_;
  fs::path store_dir_;
  std::unique_ptr<ShardWriter> inner_;
  int64_t db_bytes_ = 0;
  bool sealed_ = false, closed_ = false;
};

}  // namespace

LocalSlateDbShardWriterFactory::LocalSlateDbShardWriterFactory(
    SlateDbWriteOptions options, std::shared_ptr<StoreResolver> resolver)
    : resolver_(resolver ? std::move(resolver) : DefaultStoreResolver()),
      settings_json_(SlateDbSettingsJson(options)) {}

std::unique_ptr<ShardWriter> LocalSlateDbShardWriterFactory::Open(const std::string& db_url,
                                                                  const std::string& local_dir) {
  fs::path store_dir = fs::path(local_dir) / kStoreDir;
  std::error_code ec;
  fs::remove_all(store_dir, ec);
  fs::create_directories(store_dir, ec);
  if (ec) throw DbAdapterError("cannot create " + store_dir.string() + ": " + ec.message());
  return std::make_unique<LocalSlateDbShardWriter>(*resolver_, db_url, store_dir, settings_json_);
}

}  // namespace shardyfusion
