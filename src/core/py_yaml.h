// YAML text in the style of PyYAML's yaml.safe_dump(obj, sort_keys=True,
// default_flow_style=False) for a flat mapping of scalars, byte for byte.  The reference
// writes run records this way (format.md §1.7); readers only parse them, but byte parity
// keeps records diff-able across implementations.
//
// Handled subset: a top-level block mapping whose keys are plain identifiers
// ([A-Za-z0-9_], not resolving to null/bool/int/...) and whose values are null, integers
// or strings.  Strings get PyYAML's style choice and its 80-column line folding:
//   * plain when PyYAML would (not empty, no leading/trailing space, no indicator
//     character in a position that matters, no ': ' / ' #', printable ASCII only, and the
//     text does not resolve to null/bool/int/float/timestamp/merge/value);
//   * single-quoted otherwise when only printable ASCII and '\n' appear (and no space
//     touches a line break);
//   * double-quoted with PyYAML's escapes (\n, \t, \xXX, \uXXXX, ...) for anything else,
//     including every non-ASCII character (safe_dump uses allow_unicode=False).
// Invalid UTF-8 input is written as U+FFFD (PyYAML cannot be given such text at all).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <variant>

namespace shardyfusion {

using PyYamlValue = std::variant<std::nullptr_t, int64_t, std::string>;

// Throws std::invalid_argument for a key outside the subset above.
std::string PythonYamlDumpMapping(const std::map<std::string, PyYamlValue>& mapping);

}  // namespace shardyfusion
