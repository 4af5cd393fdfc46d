// Turning input records into (key, value) pairs for `build`.
//
// Key encoding when not given: u64be if the first record's key is an integer (a JSON
// integer, or CSV/TSV text of decimal digits), utf8 otherwise.  Every later key must fit
// the chosen encoding (an error names the line).  Values: --value-field's value (strings
// as their UTF-8 bytes, null as empty, anything else as compact JSON), or without it the
// whole record as compact JSON with sorted keys.
#pragma once

#include <optional>
#include <string>

#include "cli/record_input.h"
#include "shardyfusion/key.h"
#include "shardyfusion/writer.h"

namespace shardyfusion::cli {

struct RecordMapping {
  std::string key_field;
  std::optional<std::string> value_field;
  KeyEncoding key_encoding = KeyEncoding::kU64BE;
};

// The encoding `build` uses when --key-encoding is absent, judged from the first record.
KeyEncoding InferKeyEncoding(const InputRecord& first, const std::string& key_field,
                             InputFormat format);

// Throws CommandError "input line N: ..." for a missing field or a key the encoding rejects.
Record ToRecord(const InputRecord& input, const RecordMapping& mapping);

}  // namespace shardyfusion::cli
