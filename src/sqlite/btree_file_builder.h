// Builds a shard.db straight from rows in ascending key order, page by page, without SQL
// (SQLite file format: https://www.sqlite.org/fileformat2.html).  The result is the file
// SQLite itself produces for the kv schema (format.md §4.1): page 1 (header + schema) is
// made by SQLite, the kv index b-tree has its root at page 2, every other page is written
// exactly once, mostly sequentially.  This is what makes a build run at memory speed: a
// SQL INSERT costs ~2 µs per row in the VDBE, a cell appended here a few dozen ns.
//
// Leaves are filled completely; when a cell does not fit, the leaf's last cell moves up
// as the divider (index b-trees keep each entry exactly once) and the new cell starts the
// next leaf, so every non-root page holds at least one cell and all leaves share a depth.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shardyfusion::sqlite {

class BtreeFileBuilder {
 public:
  // Creates `path` (replacing any file there) holding SQLite's page 1 for the kv schema
  // at `page_size` (4096 ... 65536).  Throws SqliteAdapterError naming the file.
  BtreeFileBuilder(std::string path, uint32_t page_size);
  ~BtreeFileBuilder();
  BtreeFileBuilder(const BtreeFileBuilder&) = delete;
  BtreeFileBuilder& operator=(const BtreeFileBuilder&) = delete;

  // Keys must be strictly ascending in SQLite's BLOB order (memcmp, then shorter first);
  // anything else throws SqliteAdapterError naming both keys' lengths.
  void Add(std::string_view key, std::string_view value);
  // Writes the remaining pages, the root and the header.  The file is complete afterwards.
  void Finish();
  int64_t rows() const { return rows_; }

 private:
  struct Node {  // the page being filled at one level of the tree
    std::string cells;             // cell bodies without the interior left-child prefix
    std::vector<uint32_t> ends;    // end offset of each cell in `cells`
    std::vector<uint32_t> children;  // interior levels: left child of each cell
    uint32_t right_child = 0;
  };

  void EncodeCell(std::string_view key, std::string_view value, std::string& cell);
  void Push(size_t level, std::string_view cell, uint32_t left_child);
  bool Fits(const Node& node, bool interior, size_t cell_bytes) const;
  void RenderPage(const Node& node, bool interior, std::string& page) const;
  uint32_t AllocatePage();
  void WritePage(uint32_t pgno, std::string_view page);
  void FlushPending();

  std::string path_;
  uint32_t page_size_;
  int fd_ = -1;
  std::string page1_;            // SQLite's page 1, patched with the page count at Finish
  std::vector<Node> levels_;     // [0] is the current leaf
  std::string last_key_;
  int64_t rows_ = 0;
  uint32_t next_pgno_ = 3;       // 1 and 2 are written last
  uint32_t lock_pgno_;           // the page holding SQLite's lock bytes is never used
  std::string pending_;          // consecutive pages not yet written
  uint32_t pending_first_ = 0;
  std::string scratch_cell_, scratch_divider_, scratch_page_;
  bool finished_ = false;
};

}  // namespace shardyfusion::sqlite
