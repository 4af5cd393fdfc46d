#include "writer/shard_pipeline.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "core/uuid.h"
#include "shardyfusion/errors.h"
#include "shardyfusion/observability.h"
#include "writer/run_spool.h"

namespace shardyfusion {
namespace fs = std::filesystem;
namespace ev = metric_events;

struct ShardPipeline::Shard {
  uint32_t db_id = 0;
  // Producer-owned.
  RowBatch buffer;
  int64_t rows = 0;
  std::optional<Key> min_key, max_key;
  // Guarded by mu_.
  std::deque<RowBatch> pending;
  bool scheduled = false;
  bool input_done = false;
  // Owned by the one worker running this shard.
  std::unique_ptr<ShardWriter> writer;
  std::unique_ptr<RunSpool> spool;
  int attempt = 0;
  std::string db_url;
  std::string local_dir;
  std::vector<std::string> attempt_urls;
  std::chrono::steady_clock::time_point started;
  std::optional<ShardAttemptResult> result;
};

namespace {

void Emit(const std::shared_ptr<MetricsCollector>& m, std::string_view event, MetricPayload p) {
  if (m) m->Emit(event, p);
}

int64_t MillisSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t)
      .count();
}

}  // namespace

ShardPipeline::ShardPipeline(PipelineSettings settings, uint32_t num_dbs)
    : settings_(std::move(settings)),
      // Enough spare blocks for a full budget plus one partly filled block per shard.
      pool_(settings_.max_buffered_bytes / BlockPool::kBlockBytes + num_dbs + 2 * std::max(1, settings_.num_threads)) {
  shards_.reserve(num_dbs);
  for (uint32_t i = 0; i < num_dbs; ++i) {
    shards_.push_back(std::make_unique<Shard>());
    shards_.back()->db_id = i;
    shards_.back()->buffer = RowBatch(&pool_);
  }
  int threads = std::max(1, settings_.num_threads);
  LogFields context = ScopedLogContext::Current();
  for (int i = 0; i < threads; ++i)
    workers_.emplace_back([this, context] {
      ScopedLogContext scope(context);
      WorkerLoop();
    });
}

ShardPipeline::~ShardPipeline() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : workers_) t.join();
  for (auto& s : shards_) AbandonAttempt(*s);
}

void ShardPipeline::ThrowIfFailed() {
  if (error_) std::rethrow_exception(error_);
}

void ShardPipeline::Add(uint32_t db_id, const Key& key, std::string_view storage_key, std::string_view value) {
  Shard& s = *shards_[db_id];
  size_t before = s.buffer.bytes();
  s.buffer.Add(storage_key, value);
  unsubmitted_bytes_ += s.buffer.bytes() - before;
  if (s.rows++ == 0) {
    s.min_key = key;
    s.max_key = key;
  } else if (key < *s.min_key) {
    s.min_key = key;
  } else if (*s.max_key < key) {
    s.max_key = key;
  }
  if (s.buffer.rows() >= settings_.batch_size) Submit(s);
  if (unsubmitted_bytes_ + inflight_bytes_ > settings_.max_buffered_bytes) WaitForBudget();
}

void ShardPipeline::Submit(Shard& s) {
  if (s.buffer.empty()) return;
  size_t bytes = s.buffer.bytes();
  unsubmitted_bytes_ -= bytes;
  std::lock_guard lock(mu_);
  ThrowIfFailed();
  s.pending.push_back(std::move(s.buffer));
  s.buffer = RowBatch(&pool_);
  inflight_bytes_ += bytes;
  if (!s.scheduled) {
    s.scheduled = true;
    runnable_.push_back(s.db_id);
    work_cv_.notify_one();
  }
}

void ShardPipeline::WaitForBudget() {
  // Hand the largest buffers to the workers first, then wait for them to drain.
  while (unsubmitted_bytes_ > 0 && unsubmitted_bytes_ + inflight_bytes_ > settings_.max_buffered_bytes) {
    Shard* largest = nullptr;
    for (auto& s : shards_)
      if (!largest || s->buffer.bytes() > largest->buffer.bytes()) largest = s.get();
    Submit(*largest);
  }
  std::unique_lock lock(mu_);
  progress_cv_.wait(lock, [&] {
    return error_ || unsubmitted_bytes_ + inflight_bytes_ <= settings_.max_buffered_bytes;
  });
  ThrowIfFailed();
}

std::vector<ShardAttemptResult> ShardPipeline::Finish() {
  for (auto& s : shards_) Submit(*s);
  std::unique_lock lock(mu_);
  ThrowIfFailed();
  for (auto& s : shards_) {
    if (s->rows == 0) continue;  // empty shards get no attempt at all
    s->input_done = true;
    ++unfinished_;
    if (!s->scheduled) {
      s->scheduled = true;
      runnable_.push_back(s->db_id);
    }
  }
  work_cv_.notify_all();
  progress_cv_.wait(lock, [&] { return error_ || unfinished_ == 0; });
  ThrowIfFailed();
  std::vector<ShardAttemptResult> results;
  for (auto& s : shards_)
    if (s->result) results.push_back(std::move(*s->result));
  return results;
}

void ShardPipeline::WorkerLoop() {
  SortScratch scratch;  // reused for every sorted run this worker writes
  std::unique_lock lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [&] { return stopping_ || !runnable_.empty(); });
    if (stopping_) return;
    Shard& s = *shards_[runnable_.front()];
    runnable_.pop_front();
    RunShard(s, lock, scratch);
  }
}

void ShardPipeline::RunShard(Shard& s, std::unique_lock<std::mutex>& lock, SortScratch& scratch) {
  try {
    while (!error_ && !stopping_) {
      if (!s.pending.empty()) {
        RowBatch batch = std::move(s.pending.front());
        s.pending.pop_front();
        size_t bytes = batch.bytes();
        lock.unlock();
        SpillRun(s, batch, scratch);
        batch.Release();
        lock.lock();
        inflight_bytes_ -= bytes;
        progress_cv_.notify_all();
        continue;
      }
      if (s.input_done && !s.result) {
        lock.unlock();
        Finalize(s);
        lock.lock();
        --unfinished_;
        progress_cv_.notify_all();
      }
      break;
    }
  } catch (...) {
    if (!lock.owns_lock()) lock.lock();
    if (!error_) error_ = std::current_exception();
    progress_cv_.notify_all();
  }
  s.scheduled = false;
  if (!s.pending.empty() && !error_) {  // rows arrived while we were finishing a batch
    s.scheduled = true;
    runnable_.push_back(s.db_id);
    work_cv_.notify_one();
  }
}

void ShardPipeline::OpenAttempt(Shard& s) {
  s.db_url = ShardAttemptUrl(settings_.root_url, settings_.shard_prefix, settings_.run_id,
                             settings_.db_path_template, s.db_id, s.attempt);
  s.attempt_urls.push_back(s.db_url);
  char dir[64];
  std::snprintf(dir, sizeof dir, "db=%05u/attempt=%02d", s.db_id, s.attempt);
  s.local_dir = (fs::path(settings_.local_root) / ("run_id=" + settings_.run_id) / dir).string();
  fs::remove_all(s.local_dir);
  fs::create_directories(s.local_dir);
  if (s.attempt == 0) s.started = std::chrono::steady_clock::now();
  Emit(settings_.metrics, ev::kWriteShardStarted, {{"db_id", int64_t{s.db_id}}, {"attempt", int64_t{s.attempt}}});
  LogEvent(LogLevel::kDebug, "shard_write_started", {{"db_id", std::to_string(s.db_id)}, {"db_url", s.db_url}});
  s.writer = settings_.factory->Open(s.db_url, s.local_dir);
}

void ShardPipeline::AbandonAttempt(Shard& s) {
  s.writer.reset();
  if (!s.local_dir.empty()) {
    std::error_code ec;
    fs::remove_all(s.local_dir, ec);
    s.local_dir.clear();
  }
}

void ShardPipeline::SpillRun(Shard& s, const RowBatch& batch, SortScratch& scratch) {
  if (!s.spool) {
    auto dir = fs::path(settings_.local_root) / ("run_id=" + settings_.run_id) / "_spool";
    fs::create_directories(dir);
    char name[32];
    std::snprintf(name, sizeof name, "db=%05u.bin", s.db_id);
    s.spool = std::make_unique<RunSpool>((dir / name).string());
  }
  batch.SortedRun(scratch);
  s.spool->AppendRun(scratch.run);
}

void ShardPipeline::Finalize(Shard& s) {
  for (;;) {
    try {
      BuildAttempt(s);
      return;
    } catch (...) {
      PrepareRetry(s, std::current_exception());  // throws when the shard cannot be retried
    }
  }
}

// One attempt: merge the runs into a fresh writer, seal, upload.
void ShardPipeline::BuildAttempt(Shard& s) {
  OpenAttempt(s);
  // Small merge chunks: the writer appends row by row, so bigger ones only cost memory.
  s.spool->Merge(std::min<size_t>(settings_.batch_size, 4096), [&](std::span<const KvPair> rows) {
    size_t bytes = 0;
    for (const auto& [k, v] : rows) bytes += k.size() + v.size();
    if (settings_.ops_limiter) settings_.ops_limiter->Acquire(static_cast<double>(rows.size()));
    if (settings_.bytes_limiter) settings_.bytes_limiter->Acquire(static_cast<double>(bytes));
    s.writer->WriteBatch(rows);
    Emit(settings_.metrics, ev::kWriteBatchWritten,
         {{"db_id", int64_t{s.db_id}}, {"batch_size", static_cast<int64_t>(rows.size())}});
  });
  s.writer->Flush();
  s.writer->Seal();
  RequiredShardMeta meta;
  meta.db_id = s.db_id;
  meta.db_url = s.db_url;
  meta.attempt = s.attempt;
  meta.row_count = s.rows;
  meta.db_bytes = s.writer->DbBytes();
  meta.min_key = s.min_key;
  meta.max_key = s.max_key;
  meta.checkpoint_id = Uuid4Hex();
  meta.writer_info.attempt = s.attempt;
  s.writer->Close();  // uploads: only after this is the attempt complete
  meta.writer_info.duration_ms = MillisSince(s.started);
  AbandonAttempt(s);  // local scratch is no longer needed
  s.spool.reset();
  Emit(settings_.metrics, ev::kWriteShardCompleted,
       {{"db_id", int64_t{s.db_id}}, {"row_count", s.rows}, {"duration_ms", meta.writer_info.duration_ms}});
  s.result = ShardAttemptResult{std::move(meta), s.attempt_urls};
}

void ShardPipeline::PrepareRetry(Shard& s, std::exception_ptr error) {
  AbandonAttempt(s);
  bool can_retry = settings_.retry && s.attempt < settings_.retry->max_retries && IsRetryable(error) && !stopping_;
  if (!can_retry) {
    if (settings_.retry && IsRetryable(error))
      Emit(settings_.metrics, ev::kWriteShardRetryExhausted,
           {{"db_id", int64_t{s.db_id}}, {"attempts", int64_t{s.attempt + 1}}});
    std::string where = "shard db_id=" + std::to_string(s.db_id) + " attempt=" + std::to_string(s.attempt);
    try {
      std::rethrow_exception(error);
    } catch (const ShardyfusionError& e) {
      throw ShardWriteError(where + " failed", e);
    } catch (const std::exception& e) {
      // Unknown adapter errors are retryable, as in the reference.
      throw ShardWriteError(where + " failed: " + e.what(), true);
    }
  }
  double backoff = settings_.retry->initial_backoff_s;
  for (int i = 0; i < s.attempt; ++i) backoff *= settings_.retry->backoff_multiplier;
  ++s.attempt;
  Emit(settings_.metrics, ev::kWriteShardRetried,
       {{"db_id", int64_t{s.db_id}}, {"attempt", int64_t{s.attempt}}, {"backoff_s", backoff}});
  LogEvent(LogLevel::kWarning, "shard_write_retrying",
           {{"db_id", std::to_string(s.db_id)}, {"attempt", std::to_string(s.attempt)}});
  std::this_thread::sleep_for(std::chrono::duration<double>(backoff));
}

}  // namespace shardyfusion
