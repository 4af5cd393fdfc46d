#include "sqlite/sqlite_shard_writer.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "shardyfusion/errors.h"
#include "shardyfusion/observability.h"
#include "sqlite/btree_file_builder.h"
#include "sqlite/page_size.h"
#include "sqlite/shard_db_file.h"
#include "sqlite/sidecar.h"

namespace shardyfusion {
namespace {

class SqliteShardWriter : public ShardWriter {
 public:
  SqliteShardWriter(const SqliteWriterOptions& options, const std::string& db_url,
                    const std::string& local_dir)
      : options_(options),
        db_url_(db_url),
        db_path_((std::filesystem::path(local_dir) / sqlite::kShardDbFileName).string()) {
    while (!db_url_.empty() && db_url_.back() == '/') db_url_.pop_back();
    uint32_t page_size = options_.auto_page_size ? sqlite::kDefaultPageSize
                                                 : static_cast<uint32_t>(options_.page_size);
    builder_.emplace(db_path_, page_size);
  }

  // An unclosed writer uploads nothing; the caller removes local_dir.
  ~SqliteShardWriter() override = default;

  void WriteBatch(std::span<const KvPair> rows) override {
    RequireWritable();
    try {
      for (const auto& [key, value] : rows) builder_->Add(key, value);
    } catch (...) {
      state_ = State::kFailed;  // e.g. keys out of order: this file can no longer be trusted
      throw;
    }
  }

  void Flush() override { RequireWritable(); }  // pages are written as they fill

  void Seal() override {
    if (state_ == State::kSealed) throw SqliteAdapterError("shard " + db_url_ + " already sealed");
    if (state_ == State::kFailed)
      throw SqliteAdapterError("shard " + db_url_ +
                               " failed earlier; open a new writer for a new attempt");
    if (state_ == State::kClosed) throw SqliteAdapterError("shard " + db_url_ + " is closed");
    state_ = State::kFailed;  // until every step below succeeds
    // PRAGMA optimize, which the reference runs here, does nothing on a connection that
    // only inserted; the builder's file is already what it would leave.
    builder_->Finish();
    builder_.reset();
    uint32_t page_size = options_.auto_page_size ? sqlite::RepageToRecommended(db_path_)
                                                 : sqlite::ReadHeaderPageSize(db_path_);
    if (!options_.auto_page_size && page_size != static_cast<uint32_t>(options_.page_size))
      throw SqliteAdapterError("SQLite ignored page_size " + std::to_string(options_.page_size) +
                               " for " + db_path_ + " (header says " + std::to_string(page_size) +
                               ")");
    db_bytes_ = sqlite::FileSizeOrThrow(db_path_);
    state_ = State::kSealed;
    if (options_.emit_sidecar) BuildSidecar();
  }

  int64_t DbBytes() const override { return db_bytes_; }

  void Close() override {
    if (state_ == State::kClosed) return;
    if (state_ == State::kWriting) {
      try {
        Seal();
      } catch (...) {
        state_ = State::kClosed;
        throw;
      }
    }
    if (state_ == State::kFailed) {
      state_ = State::kClosed;
      throw SqliteAdapterError("a write or seal of " + db_url_ +
                               " failed; refusing to upload an unfinished shard");
    }
    // Upload failures propagate unchanged and leave the writer sealed, so Close can retry.
    std::string db_url = db_url_ + "/" + std::string(sqlite::kShardDbFileName);
    auto db = options_.resolver->Resolve(db_url);
    PutOptions put;
    put.content_type = "application/x-sqlite3";
    db.store->PutFile(db.key, db_path_, put);
    if (sidecar_) UploadSidecar(*db.store, db.key);
    state_ = State::kClosed;
  }

 private:
  // kFailed: a write or the seal failed; the file must never be uploaded.
  enum class State { kWriting, kSealed, kFailed, kClosed };

  void RequireWritable() const {
    if (state_ == State::kClosed) throw SqliteAdapterError("shard " + db_url_ + " is closed");
    if (state_ == State::kFailed)
      throw SqliteAdapterError("shard " + db_url_ + " failed earlier; cannot write to it");
    if (state_ != State::kWriting)
      throw SqliteAdapterError("cannot write to shard " + db_url_ + " after seal");
  }

  // Sidecar problems are expected on some builds (no dbstat) and never fail the shard.
  void Warn(std::string_view event, const std::exception& e) const {
    LogEvent(LogLevel::kWarning, event, {{"db_url", db_url_}, {"error", e.what()}});
  }

  // Built right after seal, while the file is known final; the tag is added at upload.
  void BuildSidecar() {
    try {
      sidecar_ = sqlite::BuildSidecarFrame(db_path_);
    } catch (const std::exception& e) {
      Warn("sqlite_sidecar_skipped", e);
    }
  }

  // Best effort: a reader declines a missing or unbound sidecar, so nothing here may fail
  // the shard.
  void UploadSidecar(ObjectStore& store, const std::string& db_key) {
    std::string tag;
    try {
      if (auto info = store.Head(db_key)) tag = info->etag;
    } catch (const std::exception& e) {
      Warn("sqlite_sidecar_unbound", e);
    }
    try {
      auto target =
          options_.resolver->Resolve(db_url_ + "/" + std::string(sqlite::kSidecarFileName));
      PutOptions put;
      put.content_type = "application/octet-stream";
      target.store->Put(target.key, sqlite::AssembleSidecar(*sidecar_, tag), put);
    } catch (const std::exception& e) {
      Warn("sqlite_sidecar_upload_failed", e);
    }
  }

  SqliteWriterOptions options_;
  std::string db_url_;
  std::string db_path_;
  std::optional<sqlite::BtreeFileBuilder> builder_;
  State state_ = State::kWriting;
  int64_t db_bytes_ = 0;
  std::optional<sqlite::SidecarFrame> sidecar_;
};

}  // namespace

SqliteShardWriterFactory::SqliteShardWriterFactory(SqliteWriterOptions options)
    : options_(std::move(options)) {
  if (options_.auto_page_size) {
    if (options_.page_size != 0 && options_.page_size != static_cast<int>(sqlite::kDefaultPageSize))
      throw ConfigValidationError("page_size " + std::to_string(options_.page_size) +
                                  " conflicts with auto_page_size=true (set page_size to 0)");
  } else if (!sqlite::IsSupportedPageSize(options_.page_size)) {
    throw ConfigValidationError("page_size " + std::to_string(options_.page_size) +
                                " is not one of 4096, 8192, 16384, 32768, 65536 (or auto)");
  }
  if (!options_.resolver) options_.resolver = DefaultStoreResolver();
}

std::unique_ptr<ShardWriter> SqliteShardWriterFactory::Open(const std::string& db_url,
                                                            const std::string& local_dir) {
  std::error_code ec;
  std::filesystem::create_directories(local_dir, ec);
  if (ec) throw SqliteAdapterError("cannot create local dir " + local_dir + ": " + ec.message());
  return std::make_unique<SqliteShardWriter>(options_, db_url, local_dir);
}

std::string SqliteShardWriterFactory::ManifestCustomFields() const {
  if (!options_.emit_sidecar) return "{}";
  nlohmann::json page_size =
      options_.auto_page_size ? nlohmann::json("auto") : nlohmann::json(options_.page_size);
  nlohmann::json custom = {{"sqlite_sidecar",
                            {{"codec", "zstd"},
                             {"filename", std::string(sqlite::kSidecarFileName)},
                             {"format_version", int{sqlite::kSidecarVersion}},
                             {"page_size", page_size}}}};
  return custom.dump();
}

}  // namespace shardyfusion
