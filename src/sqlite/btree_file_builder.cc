#include "sqlite/btree_file_builder.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "shardyfusion/errors.h"
#include "sqlite/page_size.h"
#include "sqlite/shard_db_file.h"

namespace shardyfusion::sqlite {
namespace {

constexpr uint8_t kIndexLeaf = 0x0A;
constexpr uint8_t kIndexInterior = 0x02;
constexpr size_t kLeafHeader = 8;
constexpr size_t kInteriorHeader = 12;
constexpr uint64_t kPendingByte = 0x40000000;  // SQLite's lock bytes live in this page
constexpr uint64_t kMaxRowBytes = 1'000'000'000;  // SQLITE_MAX_LENGTH
constexpr size_t kWriteChunk = 1 << 20;

void PutBe16(char* p, uint32_t v) {
  p[0] = static_cast<char>(v >> 8);
  p[1] = static_cast<char>(v);
}

void PutBe32(char* p, uint32_t v) {
  for (int i = 3; i >= 0; --i, v >>= 8) p[i] = static_cast<char>(v);
}

// SQLite varint (big-endian groups of 7 bits); values here stay far below 2^56.
size_t PutVarint(char* out, uint64_t v) {
  char tmp[9];
  size_t n = 0;
  do {
    tmp[n] = static_cast<char>((v & 0x7f) | (n > 0 ? 0x80 : 0));  // all but the last byte flagged
    ++n;
    v >>= 7;
  } while (v);
  for (size_t i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
  return n;
}

void WriteAllAt(int fd, std::string_view bytes, uint64_t offset, const std::string& path) {
  while (!bytes.empty()) {
    ssize_t n = ::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw SqliteAdapterError("SQLite shard " + path + ": write failed: " + std::strerror(errno));
    bytes.remove_prefix(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
}

// Creates the file with SQLite's own page 1 (header + schema row) and an empty page 2.
void CreateSchemaFile(const std::string& path, uint32_t page_size) {
  std::error_code ec;
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
    std::filesystem::remove(path + suffix, ec);
    if (ec) throw SqliteAdapterError("cannot remove stale " + path + suffix + ": " + ec.message());
  }
  SqliteDb db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, ShardDbErrors(path));
  db.Exec("PRAGMA page_size = " + std::to_string(page_size));
  db.Exec("PRAGMA journal_mode = OFF");
  db.Exec("CREATE TABLE kv (k BLOB PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID");
}

}  // namespace

BtreeFileBuilder::BtreeFileBuilder(std::string path, uint32_t page_size)
    : path_(std::move(path)),
      page_size_(page_size),
      lock_pgno_(static_cast<uint32_t>(kPendingByte / page_size + 1)) {
  if (!IsSupportedPageSize(page_size))
    throw SqliteAdapterError("unsupported page_size " + std::to_string(page_size) + " for " + path_);
  CreateSchemaFile(path_, page_size_);
  fd_ = ::open(path_.c_str(), O_RDWR | O_CLOEXEC);
  if (fd_ < 0)
    throw SqliteAdapterError("SQLite shard " + path_ + ": open failed: " + std::strerror(errno));
  page1_.resize(page_size_);
  ssize_t n = ::pread(fd_, page1_.data(), page1_.size(), 0);
  if (n != static_cast<ssize_t>(page1_.size()) || PageSizeFromHeader(page1_) != page_size_) {
    ::close(fd_);
    throw SqliteAdapterError("SQLite shard " + path_ + ": unexpected page 1 written by SQLite");
  }
  levels_.emplace_back();
}

BtreeFileBuilder::~BtreeFileBuilder() {
  if (fd_ >= 0) ::close(fd_);
}

void BtreeFileBuilder::Add(std::string_view key, std::string_view value) {
  if (finished_) throw SqliteAdapterError("SQLite shard " + path_ + ": add after finish");
  if (rows_ > 0 && !(std::string_view(last_key_) < key))
    throw SqliteAdapterError("SQLite shard " + path_ + ": keys must arrive in ascending order, each once (a " +
                             std::to_string(key.size()) + "-byte key came after a " +
                             std::to_string(last_key_.size()) + "-byte key that is not smaller)");
  if (key.size() + value.size() + 11 > kMaxRowBytes)
    throw SqliteAdapterError("SQLite shard " + path_ + ": row of " +
                             std::to_string(key.size() + value.size()) +
                             " bytes exceeds SQLite's 1,000,000,000-byte limit");
  last_key_.assign(key);
  EncodeCell(key, value, scratch_cell_);
  Push(0, scratch_cell_, 0);
  ++rows_;
}

void BtreeFileBuilder::EncodeCell(std::string_view key, std::string_view value, std::string& cell) {
  // Record: header (its own length, then serial types 12+2n for two BLOBs), key, value.
  char header[16];
  size_t h = 1;
  h += PutVarint(header + h, 12 + 2 * static_cast<uint64_t>(key.size()));
  h += PutVarint(header + h, 12 + 2 * static_cast<uint64_t>(value.size()));
  header[0] = static_cast<char>(h);  // h <= 11: a one-byte varint
  const std::string_view parts[3] = {{header, h}, key, value};
  const uint64_t payload = h + key.size() + value.size();

  // How much of the payload stays in the cell (fileformat2 §1.6, index b-tree pages).
  const uint64_t usable = page_size_;
  const uint64_t max_local = (usable - 12) * 64 / 255 - 23;
  const uint64_t min_local = (usable - 12) * 32 / 255 - 23;
  uint64_t local = payload;
  if (payload > max_local) {
    uint64_t k = min_local + (payload - min_local) % (usable - 4);
    local = k <= max_local ? k : min_local;
  }

  size_t part = 0, part_offset = 0;  // read cursor over the three parts
  auto copy_payload = [&](char* out, uint64_t n) {
    while (n > 0) {
      size_t take = std::min<uint64_t>(n, parts[part].size() - part_offset);
      std::memcpy(out, parts[part].data() + part_offset, take);
      out += take;
      n -= take;
      part_offset += take;
      if (part_offset == parts[part].size()) ++part, part_offset = 0;
    }
  };

  char varint[9];
  size_t vn = PutVarint(varint, payload);
  cell.resize(vn + local + (local < payload ? 4 : 0));
  std::memcpy(cell.data(), varint, vn);
  copy_payload(cell.data() + vn, local);
  if (local == payload) return;

  // Overflow chain: each page is [next page number][up to usable-4 payload bytes].
  uint64_t remaining = payload - local;
  uint32_t pgno = AllocatePage();
  PutBe32(cell.data() + vn + local, pgno);
  std::string& page = scratch_page_;
  while (remaining > 0) {
    uint64_t take = std::min<uint64_t>(remaining, usable - 4);
    remaining -= take;
    uint32_t next = remaining > 0 ? AllocatePage() : 0;
    page.assign(page_size_, '\0');
    PutBe32(page.data(), next);
    copy_payload(page.data() + 4, take);
    WritePage(pgno, page);
    pgno = next;
  }
}

bool BtreeFileBuilder::Fits(const Node& node, bool interior, size_t cell_bytes) const {
  size_t cells = node.ends.size() + 1;
  size_t used = (interior ? kInteriorHeader + 4 * cells : kLeafHeader) + 2 * cells +
                node.cells.size() + cell_bytes;
  return used <= page_size_;
}

void BtreeFileBuilder::Push(size_t level, std::string_view cell, uint32_t left_child) {
  // Iterative: a full node sends its last cell up, which may fill the parent, and so on.
  // The carried divider alternates between two buffers so `cell` is never overwritten.
  std::string carry[2];
  int slot = 0;
  for (;; ++level) {
    if (level == levels_.size()) levels_.emplace_back();
    Node& node = levels_[level];
    const bool interior = level > 0;
    auto append = [&](std::string_view c, uint32_t child) {
      node.cells.append(c);
      node.ends.push_back(static_cast<uint32_t>(node.cells.size()));
      if (interior) node.children.push_back(child);
    };
    if (Fits(node, interior, cell.size())) {
      append(cell, left_child);
      return;
    }
    // Full: the last cell becomes the divider above; its left subtree is our right child.
    size_t begin = node.ends.size() >= 2 ? node.ends[node.ends.size() - 2] : 0;
    std::string& divider = level == 0 ? scratch_divider_ : carry[slot];
    divider.assign(node.cells, begin, std::string::npos);
    node.cells.resize(begin);
    node.ends.pop_back();
    if (interior) {
      node.right_child = node.children.back();
      node.children.pop_back();
    }
    uint32_t pgno = AllocatePage();
    RenderPage(node, interior, scratch_page_);
    WritePage(pgno, scratch_page_);
    node.cells.clear();
    node.ends.clear();
    node.children.clear();
    node.right_child = 0;
    append(cell, left_child);
    cell = divider;
    left_child = pgno;
    if (level > 0) slot ^= 1;
  }
}

void BtreeFileBuilder::RenderPage(const Node& node, bool interior, std::string& page) const {
  page.assign(page_size_, '\0');
  const size_t header = interior ? kInteriorHeader : kLeafHeader;
  uint32_t content = page_size_;
  uint32_t begin = 0;
  for (size_t i = 0; i < node.ends.size(); ++i) {
    uint32_t len = node.ends[i] - begin;
    content -= len + (interior ? 4 : 0);
    char* out = page.data() + content;
    if (interior) {
      PutBe32(out, node.children[i]);
      out += 4;
    }
    std::memcpy(out, node.cells.data() + begin, len);
    PutBe16(page.data() + header + 2 * i, content);
    begin = node.ends[i];
  }
  page[0] = static_cast<char>(interior ? kIndexInterior : kIndexLeaf);
  PutBe16(page.data() + 3, static_cast<uint32_t>(node.ends.size()));
  PutBe16(page.data() + 5, content == 65536 ? 0 : content);  // 0 stands for 65536
  if (interior) PutBe32(page.data() + 8, node.right_child);
}

uint32_t BtreeFileBuilder::AllocatePage() {
  uint32_t pgno = next_pgno_++;
  if (pgno == lock_pgno_) pgno = next_pgno_++;  // left as a hole, as SQLite leaves it unused
  return pgno;
}

void BtreeFileBuilder::WritePage(uint32_t pgno, std::string_view page) {
  if (!pending_.empty() && pgno != pending_first_ + pending_.size() / page_size_) FlushPending();
  if (pending_.empty()) pending_first_ = pgno;
  pending_.append(page);
  if (pending_.size() >= kWriteChunk) FlushPending();
}

void BtreeFileBuilder::FlushPending() {
  if (pending_.empty()) return;
  WriteAllAt(fd_, pending_, static_cast<uint64_t>(pending_first_ - 1) * page_size_, path_);
  pending_.clear();
}

void BtreeFileBuilder::Finish() {
  if (finished_) return;
  finished_ = true;
  // Close every level bottom-up; the top one is the root and goes to page 2.
  for (size_t level = 0; level < levels_.size(); ++level) {
    const bool interior = level > 0;
    RenderPage(levels_[level], interior, scratch_page_);
    if (level + 1 == levels_.size()) {
      FlushPending();
      WriteAllAt(fd_, scratch_page_, page_size_, path_);
    } else {
      uint32_t pgno = AllocatePage();
      WritePage(pgno, scratch_page_);
      levels_[level + 1].right_child = pgno;
    }
  }
  FlushPending();
  PutBe32(page1_.data() + 28, next_pgno_ - 1);  // database size in pages
  WriteAllAt(fd_, page1_, 0, path_);
  if (::close(fd_) != 0) {
    fd_ = -1;
    throw SqliteAdapterError("SQLite shard " + path_ + ": close failed: " + std::strerror(errno));
  }
  fd_ = -1;
  levels_.clear();
}

}  // namespace shardyfusion::sqlite
