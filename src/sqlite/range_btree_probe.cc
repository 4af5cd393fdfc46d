// Page and record layouts: https://www.sqlite.org/fileformat2.html (§1.6 b-tree pages,
// §2.1 record format).  All integers big-endian.
#include "sqlite/range_btree_probe.h"

#include <algorithm>
#include <cstring>
#include <optional>

namespace shardyfusion::sqlite {
namespace {

uint32_t Be(std::string_view b, size_t at, int n) {
  uint32_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

// SQLite varint at *pos (1..9 bytes); advances *pos.  Empty when it runs past `b`.
std::optional<uint64_t> Varint(std::string_view b, size_t* pos) {
  uint64_t v = 0;
  for (int i = 0; i < 9; ++i) {
    if (*pos >= b.size()) return std::nullopt;
    auto byte = static_cast<unsigned char>(b[(*pos)++]);
    if (i == 8) return (v << 8) | byte;
    v = (v << 7) | (byte & 0x7f);
    if (!(byte & 0x80)) return v;
  }
  return v;
}

// The key (first record column, a BLOB) of the cell at `offset`, and its overflow head (0
// when the payload is all local).
struct Cell {
  std::string_view key;
  uint32_t overflow_head = 0;
};

std::optional<Cell> ParseCell(std::string_view page, size_t offset, bool interior,
                              uint32_t usable) {
  size_t pos = offset + (interior ? 4 : 0);  // interior cells start with the left child
  auto payload = Varint(page, &pos);
  if (!payload) return std::nullopt;
  // Local payload rule for index b-tree pages.
  const int64_t u = usable;
  const int64_t max_local = (u - 12) * 64 / 255 - 23;
  const int64_t min_local = (u - 12) * 32 / 255 - 23;
  auto p = static_cast<int64_t>(std::min<uint64_t>(*payload, INT64_MAX));
  int64_t local = p;
  if (p > max_local) {
    int64_t k = min_local + (p - min_local) % (u - 4);
    local = k <= max_local ? k : min_local;
  }
  if (local < 0 || pos + local + (p > local ? 4 : 0) > page.size()) return std::nullopt;
  Cell cell;
  if (p > local) cell.overflow_head = Be(page, pos + local, 4);
  std::string_view record = page.substr(pos, local);
  size_t rpos = 0;
  auto header_size = Varint(record, &rpos);
  auto serial_type = Varint(record, &rpos);
  if (!header_size || !serial_type || *serial_type < 12 || *serial_type % 2 != 0)
    return std::nullopt;  // not a BLOB key
  uint64_t key_len = (*serial_type - 12) / 2;
  if (*header_size > record.size() || key_len > record.size() - *header_size)
    return std::nullopt;  // key not entirely local: cannot compare here
  cell.key = record.substr(*header_size, key_len);
  return cell;
}

// BINARY collation of two BLOBs: memcmp, then length.
int CompareBlobs(std::string_view a, std::string_view b) {
  int c = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  if (c != 0) return c;
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

}  // namespace

ProbeStep ProbeIndexPage(std::string_view page, uint32_t pageno, uint32_t usable_size,
                         std::string_view key) {
  ProbeStep step;
  const size_t base = pageno == 1 ? 100 : 0;
  if (usable_size < 512 || page.size() < base + 12) return step;
  const auto type = static_cast<unsigned char>(page[base]);
  if (type != 2 && type != 10) return step;  // index interior / index leaf only
  const bool interior = type == 2;
  const size_t header = interior ? 12 : 8;
  const int cells = static_cast<int>(Be(page, base + 3, 2));
  if (cells == 0 || base + header + 2 * size_t(cells) > page.size()) return step;
  auto cell_offset = [&](int i) { return size_t{Be(page, base + header + 2 * size_t(i), 2)}; };

  // The binary search of sqlite3BtreeIndexMoveto.  OP_SeekGE sets default_rc = +1, so a
  // cell equal to the key compares as greater and the search continues to the left.
  int lwr = 0, upr = cells - 1, idx = upr >> 1;
  for (;;) {
    auto cell = ParseCell(page, cell_offset(idx), interior, usable_size);
    if (!cell) return step;
    if (cell->overflow_head != 0) step.overflow_heads.push_back(cell->overflow_head);
    int c = CompareBlobs(cell->key, key);
    if (c < 0) {
      lwr = idx + 1;
    } else {
      upr = idx - 1;
    }
    if (lwr > upr) break;
    idx = (lwr + upr) >> 1;
  }
  if (interior) {
    size_t at = lwr >= cells ? base + 8 : cell_offset(lwr);
    if (at + 4 > page.size()) return step;
    step.child = Be(page, at, 4);
  }
  step.leaf = !interior;
  step.ok = true;
  return step;
}

}  // namespace shardyfusion::sqlite
