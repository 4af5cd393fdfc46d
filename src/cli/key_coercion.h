// From command-line text to logical keys (feature C-09, C-10).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "shardyfusion/key.h"
#include "shardyfusion/router.h"

namespace shardyfusion::cli {

// u64be / u32be: a decimal integer in the encoding's range; utf8: the text as a string;
// raw: the text's bytes.  Throws KeyEncodingError naming the key and the encoding.
Key CoerceCliKey(std::string_view text, KeyEncoding encoding);

// A decimal integer as a Key (Int when it fits int64, else UInt); nullopt otherwise.
std::optional<Key> ParseIntegerKey(std::string_view text);

// "k=v" pairs; values stay strings.  Throws UsageError for a pair without '='.
RoutingContext ParseRoutingContext(const std::vector<std::string>& pairs);

}  // namespace shardyfusion::cli
