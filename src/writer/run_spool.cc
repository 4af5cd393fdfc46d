#include "writer/run_spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <queue>

#include "shardyfusion/errors.h"
#include "writer/row_batch.h"

namespace shardyfusion {
namespace {

// Spool I/O failures are local-disk problems: retrying the shard will not fix them.
[[noreturn]] void SpoolError(const std::string& what, const std::string& path, int err) {
  throw ShardWriteError("shard spool " + what + " failed for " + path + ": " + std::strerror(err), false);
}

// All runs together get about this much read buffer; each at least kMinBuffer.
constexpr size_t kMergeBufferBudget = 8 << 20;
constexpr size_t kMinBuffer = 16 << 10;

}  // namespace

// Reads one run through a buffer, exposing its current row.
class RunSpool::Cursor {
 public:
  Cursor(const RunSpool& spool, Run run, size_t buffer_bytes, size_t index)
      : spool_(spool), next_(run.begin), end_(run.end), capacity_(buffer_bytes), index_(index) {
    Advance();
  }
  bool done() const { return done_; }
  size_t index() const { return index_; }
  std::string_view key() const { return key_; }
  uint64_t prefix() const { return prefix_; }
  std::string_view value() const { return value_; }

  void Advance() {
    if (pos_ == buf_.size() && next_ == end_) {
      done_ = true;
      return;
    }
    if (!Ensure(8)) SpoolError("read (truncated run)", spool_.path_, EIO);
    uint32_t lens[2];
    std::memcpy(lens, buf_.data() + pos_, 8);
    size_t size = 8 + static_cast<size_t>(lens[0]) + lens[1];
    if (!Ensure(size)) SpoolError("read (truncated run)", spool_.path_, EIO);
    pos_ += RowAt(buf_.data() + pos_, &key_, &value_);
    prefix_ = KeyPrefix(key_);
  }

 private:
  // Makes `n` bytes available at pos_; false when the run ends before that.
  bool Ensure(size_t n) {
    if (buf_.size() - pos_ >= n) return true;
    buf_.erase(0, pos_);
    pos_ = 0;
    size_t have = buf_.size();
    size_t want = std::min<uint64_t>(std::max(capacity_, n) - have, end_ - next_);
    buf_.resize(have + want);
    size_t got = 0;
    while (got < want) {
      ssize_t r = ::pread(spool_.fd_, buf_.data() + have + got, want - got, static_cast<off_t>(next_ + got));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) SpoolError("read", spool_.path_, r < 0 ? errno : EIO);
      got += static_cast<size_t>(r);
    }
    next_ += want;
    return buf_.size() >= n;
  }

  const RunSpool& spool_;
  uint64_t next_, end_;
  size_t capacity_, index_;
  std::string buf_;
  size_t pos_ = 0;
  std::string_view key_, value_;
  uint64_t prefix_ = 0;
  bool done_ = false;
};

RunSpool::RunSpool(std::string path) : path_(std::move(path)) {
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd_ < 0) SpoolError("open", path_, errno);
}

RunSpool::~RunSpool() {
  ::close(fd_);
  ::unlink(path_.c_str());
}

void RunSpool::AppendRun(std::string_view run) {
  if (run.empty()) return;
  uint64_t begin = size_;
  while (!run.empty()) {
    ssize_t n = ::pwrite(fd_, run.data(), run.size(), static_cast<off_t>(size_));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) SpoolError("write", path_, n < 0 ? errno : ENOSPC);
    run.remove_prefix(static_cast<size_t>(n));
    size_ += static_cast<uint64_t>(n);
  }
  runs_.push_back({begin, size_});
}

void RunSpool::Merge(size_t chunk_rows, const std::function<void(std::span<const KvPair>)>& fn) const {
  size_t buffer = std::max(kMinBuffer, kMergeBufferBudget / std::max<size_t>(1, runs_.size()));
  std::vector<std::unique_ptr<Cursor>> cursors;
  for (size_t i = 0; i < runs_.size(); ++i)
    cursors.push_back(std::make_unique<Cursor>(*this, runs_[i], buffer, i));
  // Min-heap on (key, run index): equal keys come out oldest run first.
  auto later = [](const Cursor* a, const Cursor* b) {
    if (a->prefix() != b->prefix()) return a->prefix() > b->prefix();
    int c = a->key().compare(b->key());
    return c != 0 ? c > 0 : a->index() > b->index();
  };
  std::priority_queue<Cursor*, std::vector<Cursor*>, decltype(later)> heap(later);
  for (auto& c : cursors)
    if (!c->done()) heap.push(c.get());

  std::vector<KvPair> chunk(std::max<size_t>(1, chunk_rows));  // strings keep their capacity
  size_t n = 0;
  while (!heap.empty()) {
    Cursor* c = heap.top();
    heap.pop();
    KvPair& row = chunk[n];
    row.first.assign(c->key());
    row.second.assign(c->value());
    c->Advance();
    if (!c->done()) heap.push(c);
    const uint64_t prefix = KeyPrefix(row.first);
    // The same key in a newer run overrides this row.
    while (!heap.empty() && heap.top()->prefix() == prefix && heap.top()->key() == row.first) {
      Cursor* dup = heap.top();
      heap.pop();
      row.second.assign(dup->value());
      dup->Advance();
      if (!dup->done()) heap.push(dup);
    }
    if (++n == chunk.size()) {
      fn(std::span<const KvPair>(chunk.data(), n));
      n = 0;
    }
  }
  if (n > 0) fn(std::span<const KvPair>(chunk.data(), n));
}

}  // namespace shardyfusion
