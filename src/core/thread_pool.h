// A fixed-size thread pool for fan-out work (multi_get across shards, opening shards).
// Thread-safe.  The destructor finishes queued tasks and joins the threads.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

namespace shardyfusion {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  std::future<void> Submit(std::function<void()> task);
  // Runs fn(0..n-1) on the pool (the caller runs one share too) and waits for all; the
  // first exception is rethrown after every task finished.
  void ParallelFor(size_t n, const std::function<void(size_t)>& fn);
  int size() const { return static_cast<int>(threads_.size()); }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::packaged_task<void()>> tasks_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace shardyfusion
