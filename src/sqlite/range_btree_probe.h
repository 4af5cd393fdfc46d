// Replays one step of SQLite's index b-tree search (sqlite3BtreeIndexMoveto, as driven by
// the OP_SeekGE of `SELECT v FROM kv WHERE k = ?`) on a page the range reader already
// holds, to learn which pages the real search will read next: the child page and the
// overflow chains of every cell it compares.  Comparing a cell whose payload overflows
// makes SQLite read the whole chain, so without this each comparison would be one more
// serial round trip (the "GET storm" of scenarios.md §3.5.1).
//
// A prediction only decides what is prefetched, never what SQLite sees, so anything
// unexpected just ends the prediction (ok = false).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace shardyfusion::sqlite {

struct ProbeStep {
  bool ok = false;                       // false: page not understood; stop predicting
  bool leaf = false;                     // the search ends on this page
  uint32_t child = 0;                    // interior pages: where the search descends
  std::vector<uint32_t> overflow_heads;  // first overflow page of each compared cell
};

// `page` is the whole page `pageno`; `usable_size` is page size minus reserved bytes.
// `key` is the BLOB the lookup binds; cells must hold records whose first column is a BLOB.
ProbeStep ProbeIndexPage(std::string_view page, uint32_t pageno, uint32_t usable_size,
                         std::string_view key);

}  // namespace shardyfusion::sqlite
