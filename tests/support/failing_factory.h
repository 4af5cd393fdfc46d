// A ShardWriterFactory wrapper that injects failures into chosen (db_id, attempt) pairs,
// like the reference's FailOnceAdapterFactory.  Thread-safe.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <regex>
#include <set>
#include <string>

#include "shardyfusion/errors.h"
#include "writer/shard_writer.h"

namespace shardyfusion::testing {

enum class FailAt { kOpen, kWrite, kSeal, kClose };

class FailingFactory : public ShardWriterFactory {
 public:
  // Fails attempts whose URL has db=<db_id:05d> and attempt=<NN> in `targets`, at `where`,
  // with S3TransientError (retryable) or ConfigValidationError-like (non-retryable).
  FailingFactory(std::shared_ptr<ShardWriterFactory> inner, std::set<std::pair<int, int>> targets,
                 FailAt where, bool retryable)
      : inner_(std::move(inner)), targets_(std::move(targets)), where_(where), retryable_(retryable) {}

  std::unique_ptr<ShardWriter> Open(const std::string& db_url, const std::string& local_dir) override {
    static const std::regex kIds("db=(\\d+)/attempt=(\\d+)");
    std::smatch m;
    bool fail = std::regex_search(db_url, m, kIds) &&
                targets_.count({std::stoi(m[1].str()), std::stoi(m[2].str())}) > 0;
    if (fail) ++failures_;
    if (fail && where_ == FailAt::kOpen) Throw(db_url);
    return std::make_unique<Writer>(inner_->Open(db_url, local_dir), fail ? where_ : FailAt::kOpen,
                                    fail, this, db_url);
  }
  std::string ManifestCustomFields() const override { return inner_->ManifestCustomFields(); }
  int failures() const { return failures_; }

 private:
  void Throw(const std::string& url) const {
    if (retryable_) throw S3TransientError("injected transient failure at " + url);
    throw DbAdapterError("injected permanent failure at " + url);
  }

  class Writer : public ShardWriter {
   public:
    Writer(std::unique_ptr<ShardWriter> inner, FailAt where, bool fail, const FailingFactory* owner,
           std::string url)
        : inner_(std::move(inner)), where_(where), fail_(fail), owner_(owner), url_(std::move(url)) {}
    void WriteBatch(std::span<const KvPair> rows) override {
      inner_->WriteBatch(rows);
      Maybe(FailAt::kWrite);
    }
    void Flush() override { inner_->Flush(); }
    void Seal() override {
      Maybe(FailAt::kSeal);
      inner_->Seal();
    }
    int64_t DbBytes() const override { return inner_->DbBytes(); }
    void Close() override {
      inner_->Close();  // the attempt's objects exist: a loser for cleanup to remove
      Maybe(FailAt::kClose);
    }

   private:
    void Maybe(FailAt at) {
      if (fail_ && where_ == at) owner_->Throw(url_);
    }
    std::unique_ptr<ShardWriter> inner_;
    FailAt where_;
    bool fail_;
    const FailingFactory* owner_;
    std::string url_;
  };

  std::shared_ptr<ShardWriterFactory> inner_;
  std::set<std::pair<int, int>> targets_;
  FailAt where_;
  bool retryable_;
  std::atomic<int> failures_{0};
};

}  // namespace shardyfusion::testing
