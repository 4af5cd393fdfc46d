// The streaming core of the writer, an external merge sort per shard.  The producer thread
// adds routed rows to per-shard batches; worker threads sort each full batch and append it
// to the shard's run spool on local disk (one worker per shard at a time).  When the
// input ends, each shard's runs are merged in key order into a fresh ShardWriter attempt
// (a retry merges again into attempt=NN+1), and one ShardAttemptResult per shard is
// reported.  Memory is bounded by `max_buffered_bytes`, whatever the row count.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "shardyfusion/key.h"
#include "shardyfusion/rate_limiter.h"
#include "shardyfusion/writer.h"
#include "writer/row_batch.h"
#include "writer/shard_writer.h"

namespace shardyfusion {

class MetricsCollector;

struct PipelineSettings {
  std::shared_ptr<ShardWriterFactory> factory;
  std::string root_url;
  std::string run_id;
  std::string shard_prefix;
  std::string db_path_template;
  std::string local_root;  // <local_root>/run_id=<id>/... is this run's scratch space
  size_t batch_size = 50'000;
  std::optional<RetryConfig> retry;
  std::shared_ptr<TokenBucket> ops_limiter;    // may be null
  std::shared_ptr<TokenBucket> bytes_limiter;  // may be null
  std::shared_ptr<MetricsCollector> metrics;   // may be null
  int num_threads = 1;
  size_t max_buffered_bytes = 64ull << 20;
};

class ShardPipeline {
 public:
  ShardPipeline(PipelineSettings settings, uint32_t num_dbs);
  ~ShardPipeline();  // stops and joins the workers; unfinished attempts are abandoned
  ShardPipeline(const ShardPipeline&) = delete;
  ShardPipeline& operator=(const ShardPipeline&) = delete;

  // Producer side (one thread).  Throws the first worker error as soon as it is known.
  void Add(uint32_t db_id, const Key& key, std::string_view storage_key, std::string_view value);
  // Sends the remaining rows, waits for every shard, and returns their results (empty
  // shards are not reported).  Throws the first worker error.
  std::vector<ShardAttemptResult> Finish();

 private:
  struct Shard;
  void Submit(Shard& s);
  void WaitForBudget();
  void WorkerLoop();
  void RunShard(Shard& s, std::unique_lock<std::mutex>& lock, SortScratch& scratch);
  void SpillRun(Shard& s, const RowBatch& batch, SortScratch& scratch);
  void Finalize(Shard& s);
  void BuildAttempt(Shard& s);
  void PrepareRetry(Shard& s, std::exception_ptr error);
  void OpenAttempt(Shard& s);
  void AbandonAttempt(Shard& s);
  void ThrowIfFailed();

  PipelineSettings settings_;
  BlockPool pool_;  // before shards_: their batches give blocks back when destroyed
  std::vector<std::unique_ptr<Shard>> shards_;
  std::vector<std::thread> workers_;
  size_t unsubmitted_bytes_ = 0;  // producer-only

  std::mutex mu_;
  std::condition_variable work_cv_;      // workers wait for runnable shards
  std::condition_variable progress_cv_;  // the producer waits for budget / completion
  std::deque<uint32_t> runnable_;
  std::atomic<size_t> inflight_bytes_ = 0;  // read by the producer without the lock
  size_t unfinished_ = 0;
  std::atomic<bool> stopping_ = false;
  std::exception_ptr error_;
};

}  // namespace shardyfusion
