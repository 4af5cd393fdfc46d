// The rows the reader benchmarks read: Key::Int(0..rows-1) -> 100 bytes of one letter
// ('a' + i % 26), written and published with `config`.
#pragma once

#include <string>

#include "shardyfusion/writer.h"

namespace shardyfusion::bench {

inline BuildResult WriteLetterRows(const HashShardedWriteConfig& config, int rows) {
  int next = 0;
  return WriteHashSharded(
      [&](Record& out) {
        if (next == rows) return false;
        out.key = Key::Int(next);
        out.value = std::string(100, static_cast<char>('a' + next % 26));
        ++next;
        return true;
      },
      config);
}

}  // namespace shardyfusion::bench
