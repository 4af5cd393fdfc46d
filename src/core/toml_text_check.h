// A guard in front of toml++ (3.3.0, the Debian 12 version), which has undefined behaviour on
// some non-ASCII input: its is_non_ascii_horizontal_whitespace() reaches TOML_UNREACHABLE
// for most code points in U+00A1..U+0499, U+2C5E..U+3057 and U+FBA6..U+FEFE (upstream
// issue #295, fixed after 3.3.0).  It is asked that question only outside strings and
// comments, right after a backslash in a multi-line basic string, and at the first
// character after a line-ending backslash's trimmed whitespace.
//
// CheckTomlText() runs before toml++ sees the text and throws ConfigValidationError
// ("<file>: byte offset N: ...") for:
//   * bytes that are not UTF-8 (RFC 3629: no overlongs, surrogates or code points past
//     U+10FFFF; a leading byte order mark is fine),
//   * a non-ASCII character where TOML 1.0 allows none (outside strings and comments: bare
//     keys, whitespace and values are ASCII) or in the two multi-line-string spots above.
// Everything it lets through is UTF-8 whose non-ASCII characters all sit in strings or
// comments, where toml++ is well-defined.  The one valid TOML it refuses is a multi-line
// basic string whose line-ending backslash is followed by a non-ASCII character as the
// next non-blank one; the message says so.
#pragma once

#include <string>
#include <string_view>

namespace shardyfusion {

void CheckTomlText(std::string_view text, const std::string& file);

}  // namespace shardyfusion
