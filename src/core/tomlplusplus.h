// The one way this project includes toml++ (3.3.0 from Debian 12).
//
// toml++ states internal invariants with TOML_ASSERT_ASSUME: an assert() without NDEBUG,
// a compiler assumption with it (clang: __builtin_assume).  Some hold only for valid
// input: "[[[{" reaches parse_key() with a '{', so a Debug build aborts on that config
// file and a clang release build assumes the impossible (undefined behaviour), although
// parse_key() has a proper error path right after the check.  GCC 12 release builds
// compile the check away and report the parse error.  Including toml++ with NDEBUG
// undefined and TOML_ASSERT empty gives every build that behaviour: no assert, no
// assumption, the parser's own error.  Invalid UTF-8 and the non-ASCII whitespace bug are
// handled by core/toml_text_check.h, which callers run first.
#pragma once

#pragma push_macro("NDEBUG")
#undef NDEBUG
#ifndef TOML_ASSERT
#define TOML_ASSERT(expr) static_cast<void>(0)
#endif
#include <toml++/toml.h>
#pragma pop_macro("NDEBUG")
