#include "writer/shard_spool.h"

#include <cerrno>
#include <cstring>
#include <vector>

#include "shardyfusion/errors.h"

namespace shardyfusion {
namespace {

// Spool I/O failures are local-disk problems: retrying the shard will not fix them.
[[noreturn]] void SpoolError(const std::string& what, const std::string& path) {
  throw ShardWriteError("shard spool " + what + " failed for " + path + ": " + std::strerror(errno),
                        false);
}

void WriteU32(std::FILE* f, uint32_t v, const std::string& path) {
  if (std::fwrite(&v, sizeof v, 1, f) != 1) SpoolError("write", path);
}

}  // namespace

ShardSpool::ShardSpool(std::string path) : path_(std::move(path)) {
  file_ = std::fopen(path_.c_str(), "w+b");
  if (file_ == nullptr) SpoolError("open", path_);
  std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
}

ShardSpool::~ShardSpool() {
  if (file_) std::fclose(file_);
  std::remove(path_.c_str());
}

void ShardSpool::Append(std::span<const KvPair> rows) {
  for (const auto& [k, v] : rows) {
    WriteU32(file_, static_cast<uint32_t>(k.size()), path_);
    WriteU32(file_, static_cast<uint32_t>(v.size()), path_);
    if (std::fwrite(k.data(), 1, k.size(), file_) != k.size() ||
        std::fwrite(v.data(), 1, v.size(), file_) != v.size())
      SpoolError("write", path_);
  }
}

void ShardSpool::Replay(size_t batch_size, const std::function<void(std::span<const KvPair>)>& fn) {
  if (std::fflush(file_) != 0) SpoolError("flush", path_);
  long end = std::ftell(file_);
  std::FILE* in = std::fopen(path_.c_str(), "rb");
  if (in == nullptr) SpoolError("reopen", path_);
  std::vector<KvPair> batch;
  auto read_exact = [&](void* dst, size_t n) {
    if (n && std::fread(dst, 1, n, in) != n) {
      std::fclose(in);
      SpoolError("read", path_);
    }
  };
  while (std::ftell(in) < end) {
    uint32_t klen, vlen;
    read_exact(&klen, 4);
    read_exact(&vlen, 4);
    KvPair row{std::string(klen, '\0'), std::string(vlen, '\0')};
    read_exact(row.first.data(), klen);
    read_exact(row.second.data(), vlen);
    batch.push_back(std::move(row));
    if (batch.size() >= batch_size) {
      fn(batch);
      batch.clear();
    }
  }
  std::fclose(in);
  if (!batch.empty()) fn(batch);
}

}  // namespace shardyfusion
