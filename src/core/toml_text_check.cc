#include "core/toml_text_check.h"

#include <algorithm>
#include <cstdint>

#include "shardyfusion/errors.h"

namespace shardyfusion {
namespace {

[[noreturn]] void Reject(std::string_view text, size_t offset, const std::string& file,
                         const std::string& why) {
  size_t line = 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + offset, '\n'));
  throw ConfigValidationError(file + ": byte offset " + std::to_string(offset) + " (line " +
                              std::to_string(line) + "): " + why);
}

// Length of the UTF-8 sequence at `i` (RFC 3629), or 0 when it is not one.
size_t Utf8Length(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return k < s.size() ? static_cast<uint8_t>(s[k]) : 0; };
  auto cont = [&](size_t k) { return (byte(k) & 0xC0) == 0x80; };
  uint8_t b = byte(i);
  if (b < 0x80) return 1;
  if (b >= 0xC2 && b <= 0xDF) return cont(i + 1) ? 2 : 0;
  if (b >= 0xE0 && b <= 0xEF) {
    uint8_t b1 = byte(i + 1);
    if ((b == 0xE0 && b1 < 0xA0) || (b == 0xED && b1 > 0x9F)) return 0;  // overlong, surrogate
    return cont(i + 1) && cont(i + 2) ? 3 : 0;
  }
  if (b >= 0xF0 && b <= 0xF4) {
    uint8_t b1 = byte(i + 1);
    if ((b == 0xF0 && b1 < 0x90) || (b == 0xF4 && b1 > 0x8F)) return 0;  // overlong, > U+10FFFF
    return cont(i + 1) && cont(i + 2) && cont(i + 3) ? 4 : 0;
  }
  return 0;
}

size_t RunOf(std::string_view s, size_t i, char c) {
  size_t n = 0;
  while (i + n < s.size() && s[i + n] == c) ++n;
  return n;
}

bool NonAscii(std::string_view s, size_t i) { return i < s.size() && static_cast<uint8_t>(s[i]) >= 0x80; }

// toml++'s is_value_terminator() for ASCII: where its scan of a bare value stops.
bool IsValueTerminator(char c) {
  return c == ' ' || c == '\t' || (c >= '\n' && c <= '\r') || c == ']' || c == '}' || c == ',' || c == '#';
}

// "dddd-dd-dd" (underscores dropped): toml++ scans on past one space for a date-time.
bool IsDateLike(const std::string& run) {
  if (run.size() != 10 || run[4] != '-' || run[7] != '-') return false;
  for (size_t k : {0, 1, 2, 3, 5, 6, 8, 9})
    if (run[k] < '0' || run[k] > '9') return false;
  return true;
}

}  // namespace

void CheckTomlText(std::string_view text, const std::string& file) {
  for (size_t i = 0; i < text.size();) {
    size_t n = Utf8Length(text, i);
    if (n == 0) Reject(text, i, file, "not valid UTF-8 (TOML files must be UTF-8)");
    i += n;
  }

  enum class State { kNormal, kComment, kBasic, kLiteral, kMlBasic, kMlLiteral };
  State state = State::kNormal;
  // A value starting with a digit or sign (after '=', ',' or '[') is scanned by toml++ up to
  // a value terminator before it is judged, quotes included: no string starts inside it.
  bool in_run = false;
  std::string run;
  char previous = '\n';  // last character outside strings and comments, whitespace skipped
  size_t i = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;  // byte order mark
  while (i < text.size()) {
    const char c = text[i];
    switch (state) {
      case State::kNormal:
        if (in_run) {
          if (!IsValueTerminator(c)) {
            if (NonAscii(text, i))
              Reject(text, i, file, "non-ASCII character in a bare value (numbers, dates and times are ASCII)");
            if (c != '_') run += c;
            previous = c;
            ++i;
            break;
          }
          if (c == ' ' && IsDateLike(run)) {  // "1979-05-27 07:32:00"
            run += c;
            ++i;
            break;
          }
          in_run = false;
        }
        if (NonAscii(text, i))
          Reject(text, i, file,
                 "non-ASCII character outside a string or comment (TOML keys, values and "
                 "whitespace there are ASCII; quote the key or value)");
        if (((c >= '0' && c <= '9') || c == '+' || c == '-') &&
            (previous == '=' || previous == ',' || previous == '[')) {
          in_run = true;
          run.assign(1, c);
        } else if (c == '#') {
          state = State::kComment;
        } else if (c == '"' || c == '\'') {
          bool multi = RunOf(text, i, c) >= 3;
          state = c == '"' ? (multi ? State::kMlBasic : State::kBasic)
                           : (multi ? State::kMlLiteral : State::kLiteral);
          if (multi) i += 2;
        }
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '#') previous = c;
        ++i;
        break;
      case State::kComment:
        if (c == '\n') state = State::kNormal;
        ++i;
        break;
      case State::kBasic:
        if (c == '\\') {
          i += 2;  // the escaped character (a multi-byte one's tail is plain string content)
          break;
        }
        if (c == '"' || c == '\n') state = State::kNormal;
        ++i;
        break;
      case State::kLiteral:
        if (c == '\'' || c == '\n') state = State::kNormal;
        ++i;
        break;
      case State::kMlBasic:
      case State::kMlLiteral: {
        const char quote = state == State::kMlBasic ? '"' : '\'';
        if (c == quote) {
          size_t run = RunOf(text, i, quote);
          if (run >= 3) state = State::kNormal;
          i += std::min<size_t>(run, 5);
          break;
        }
        if (c != '\\' || state == State::kMlLiteral) {
          ++i;
          break;
        }
        // A backslash in a multi-line basic string: toml++ asks whether the next character
        // is whitespace, and after a line-ending backslash whether the first character past
        // the trimmed blanks and line breaks is.
        size_t j = i + 1;
        while (j < text.size() && (text[j] == ' ' || text[j] == '\t')) ++j;
        if (NonAscii(text, j))
          Reject(text, j, file, "non-ASCII character right after a backslash in a multi-line string");
        if (j < text.size() && (text[j] == '\n' || text[j] == '\r')) {
          while (j < text.size() && (text[j] == ' ' || text[j] == '\t' || text[j] == '\n' || text[j] == '\r')) ++j;
          if (NonAscii(text, j))
            Reject(text, j, file,
                   "a line-ending backslash in a multi-line string is followed by a non-ASCII "
                   "character (not supported by this build's TOML parser; put the text on the "
                   "backslash's line or drop the backslash)");
          i = j;
        } else {
          i = j == i + 1 ? i + 2 : j;
        }
        break;
      }
    }
  }
}

}  // namespace shardyfusion
