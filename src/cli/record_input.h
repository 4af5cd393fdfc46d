// Input records for `build`: JSON Lines, CSV (RFC 4180, header row) or TSV (header row,
// no quoting).  Every record becomes a JSON object; CSV/TSV fields are strings.
#pragma once

#include <cstdint>
#include <istream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace shardyfusion::cli {

enum class InputFormat { kJsonl, kCsv, kTsv };

// "jsonl" | "csv" | "tsv"; empty: from the file extension (.jsonl/.ndjson/.json, .csv,
// .tsv).  Throws UsageError when neither works.
InputFormat ResolveInputFormat(const std::string& format, const std::string& path);

struct InputRecord {
  nlohmann::json fields;  // an object
  uint64_t line = 0;      // 1-based line where the record starts
};

class RecordReader {
 public:
  virtual ~RecordReader() = default;
  // False at the end.  Throws CommandError "line N: ..." for malformed input.
  virtual bool Next(InputRecord& out) = 0;
};

std::unique_ptr<RecordReader> MakeRecordReader(InputFormat format, std::istream& in);

// Records in a file (for --max-keys-per-shard, which needs the count up front).
uint64_t CountRecords(InputFormat format, const std::string& path);

}  // namespace shardyfusion::cli
