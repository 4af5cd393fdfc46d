// JSON text in the style of Python's json.dumps(obj, sort_keys=True): ", " and ": "
// separators and ASCII-only output (non-ASCII as \uXXXX escapes, surrogate pairs above
// the BMP).  The reference writes manifest JSON columns this way; readers only decode,
// but byte parity keeps manifests diff-able across implementations.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace shardyfusion {

std::string PythonJsonDumps(const nlohmann::json& value);

}  // namespace shardyfusion
