// Runs independent S3 requests on a few threads (internal).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace shardyfusion::s3 {

// Calls fn(i) for every i in [0, count) on up to `max_threads` threads (the caller's among
// them) and waits for all.  After a failure no new task starts; the first exception is
// rethrown.  Threads beat curl-multi here because each request already has its own retry
// loop around a blocking easy handle.
template <typename Fn>
void ParallelFor(size_t count, size_t max_threads, Fn&& fn) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr first_error;
  std::mutex error_mu;
  auto worker = [&] {
    while (!failed.load()) {
      size_t i = next.fetch_add(1);
      if (i >= count) return;
      try {
        fn(i);
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mu);
        if (!first_error) first_error = std::current_exception();
        failed = true;
      }
    }
  };
  size_t threads = std::min(count, std::max<size_t>(1, max_threads));
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& thread : pool) thread.join();
  if (first_error) std::rethrow_exception(first_error);
}

}  // namespace shardyfusion::s3
