// A port of the parts of PyYAML's emitter.py and resolver.py that a flat mapping of
// scalars exercises.  Variable names follow emitter.py so the two can be compared.
#include "core/py_yaml.h"

#include <cstdio>
#include <regex>
#include <stdexcept>
#include <string_view>

namespace shardyfusion {
namespace {

using Text = std::u32string;  // Python iterates code points, so the port does too
constexpr long kBestWidth = 80;
constexpr long kValueIndent = 2;  // block mapping (indent 0) + best_indent 2

Text DecodeUtf8(std::string_view s) {
  Text out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    bool ok = len != 0 && i + len <= s.size();
    for (size_t j = 1; ok && j < len; ++j) {
      auto cc = static_cast<unsigned char>(s[i + j]);
      ok = (cc & 0xC0) == 0x80;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Reject overlong forms, surrogates and out-of-range values like Python's decoder.
    static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    ok = ok && cp >= kMin[len] && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    out.push_back(ok ? cp : U'\uFFFD');
    i += ok ? len : 1;
  }
  return out;
}

void AppendUtf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

bool IsBreak(char32_t c) { return c == '\n' || c == 0x85 || c == 0x2028 || c == 0x2029; }
// '\0 \t\r\n\x85\u2028\u2029'
bool IsBlankOrBreak(char32_t c) {
  return c == 0 || c == ' ' || c == '\t' || c == '\r' || IsBreak(c);
}
bool In(char32_t c, std::string_view set) { return c < 0x80 && set.find(char(c)) != set.npos; }

// Python's re.match(...$) also matches just before one trailing '\n'.
bool PyMatch(const std::regex& re, const std::string& s) {
  if (std::regex_match(s, re)) return true;
  return !s.empty() && s.back() == '\n' && std::regex_match(s.substr(0, s.size() - 1), re);
}

// resolver.py's implicit resolvers: a plain scalar matching any of them would load as
// something other than a string, so such strings must be quoted.
bool ResolvesToStr(const std::string& value) {
  static const std::regex kNonStr[] = {
      std::regex(  // bool
          "(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)"),
      std::regex(  // float
          "(?:[-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+][0-9]+)?"
          "|\\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
          "|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*"
          "|[-+]?\\.(?:inf|Inf|INF)"
          "|\\.(?:nan|NaN|NAN))"),
      std::regex(  // int
          "(?:[-+]?0b[0-1_]+"
          "|[-+]?0[0-7_]+"
          "|[-+]?(?:0|[1-9][0-9_]*)"
          "|[-+]?0x[0-9a-fA-F_]+"
          "|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)"),
      std::regex("<<"),                     // merge
      std::regex("(?:~|null|Null|NULL|)"),  // null (also the empty string)
      std::regex(                           // timestamp
          "(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
          "|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?"
          "(?:[Tt]|[ \\t]+)[0-9][0-9]?"
          ":[0-9][0-9]:[0-9][0-9](?:\\.[0-9]*)?"
          "(?:[ \\t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)"),
      std::regex("="),            // value
      std::regex("(?:!|&|\\*)"),  // yaml
  };
  for (const auto& re : kNonStr)
    if (PyMatch(re, value)) return false;
  return true;
}

struct Analysis {
  bool allow_block_plain = true;
  bool allow_single_quoted = true;
};

// emitter.py analyze_scalar, reduced to what a block-mapping value needs.
Analysis AnalyzeScalar(const Text& scalar) {
  if (scalar.empty()) return {};
  bool block_indicators = false, line_breaks = false, special_characters = false;
  bool leading_space = false, leading_break = false, trailing_space = false, trailing_break = false;
  bool break_space = false, space_break = false;
  auto starts = [&](std::u32string_view p) {
    return std::u32string_view(scalar).substr(0, 3) == p;
  };
  if (starts(U"---") || starts(U"...")) block_indicators = true;
  bool preceded_by_whitespace = true;
  bool followed_by_whitespace = scalar.size() == 1 || IsBlankOrBreak(scalar[1]);
  bool previous_space = false, previous_break = false;
  for (size_t index = 0; index < scalar.size();) {
    char32_t ch = scalar[index];
    if (index == 0) {
      if (In(ch, "#,[]{}&*!|>'\"%@`")) block_indicators = true;
      if (In(ch, "?:") && followed_by_whitespace) block_indicators = true;
      if (ch == '-' && followed_by_whitespace) block_indicators = true;
    } else {
      if (ch == ':' && followed_by_whitespace) block_indicators = true;
      if (ch == '#' && preceded_by_whitespace) block_indicators = true;
    }
    if (IsBreak(ch)) line_breaks = true;
    // allow_unicode=False: everything outside printable ASCII (except '\n') is special.
    if (!(ch == '\n' || (ch >= 0x20 && ch <= 0x7E))) special_characters = true;
    if (ch == ' ') {
      if (index == 0) leading_space = true;
      if (index == scalar.size() - 1) trailing_space = true;
      if (previous_break) break_space = true;
      previous_space = true;
      previous_break = false;
    } else if (IsBreak(ch)) {
      if (index == 0) leading_break = true;
      if (index == scalar.size() - 1) trailing_break = true;
      if (previous_space) space_break = true;
      previous_space = false;
      previous_break = true;
    } else {
      previous_space = previous_break = false;
    }
    ++index;
    preceded_by_whitespace = IsBlankOrBreak(ch);
    followed_by_whitespace = index + 1 >= scalar.size() || IsBlankOrBreak(scalar[index + 1]);
  }
  Analysis a;
  if (leading_space || leading_break || trailing_space || trailing_break)
    a.allow_block_plain = false;
  if (break_space) a.allow_block_plain = a.allow_single_quoted = false;
  if (space_break || special_characters) a.allow_block_plain = a.allow_single_quoted = false;
  if (line_breaks || block_indicators) a.allow_block_plain = false;
  return a;
}

class Emitter {
 public:
  std::string out;

  void Mapping(const std::map<std::string, PyYamlValue>& mapping) {
    if (mapping.empty()) {
      out = "{}\n";
      return;
    }
    for (const auto& [key, value] : mapping) {
      indent_ = 0;
      WriteIndent();
      Plain(DecodeUtf8(key));
      Indicator(":", false);
      indent_ = kValueIndent;
      if (std::holds_alternative<std::nullptr_t>(value)) {
        Plain(U"null");
      } else if (auto* i = std::get_if<int64_t>(&value)) {
        Plain(DecodeUtf8(std::to_string(*i)));
      } else {
        String(std::get<std::string>(value));
      }
    }
    indent_ = 0;
    WriteIndent();
  }

 private:
  // emitter.py choose_scalar_style for a value that is not a simple key, flow level 0.
  void String(const std::string& utf8) {
    Text text = DecodeUtf8(utf8);
    Analysis a = AnalyzeScalar(text);
    if (ResolvesToStr(utf8) && a.allow_block_plain) {
      Plain(text);
    } else if (a.allow_single_quoted) {
      SingleQuoted(text);
    } else {
      DoubleQuoted(text);
    }
  }

  void Write(const Text& text, long start, long end) {
    for (long i = start; i < end; ++i) AppendUtf8(out, text[i]);
    if (end > start) column_ += end - start;
  }
  void WriteAscii(std::string_view data) {
    out += data;
    column_ += static_cast<long>(data.size());
  }
  void WriteLineBreak(char32_t data = '\n') {
    whitespace_ = indention_ = true;
    column_ = 0;
    AppendUtf8(out, data);
  }
  void WriteIndent() {
    if (!indention_ || column_ > indent_ || (column_ == indent_ && !whitespace_)) WriteLineBreak();
    if (column_ < indent_) {
      whitespace_ = true;
      out.append(indent_ - column_, ' ');
      column_ = indent_;
    }
  }
  void Indicator(std::string_view indicator, bool need_whitespace) {
    if (!whitespace_ && need_whitespace) WriteAscii(" ");
    WriteAscii(indicator);
    whitespace_ = false;
    indention_ = false;
  }

  void Plain(const Text& text) {
    if (text.empty()) return;
    if (!whitespace_) WriteAscii(" ");
    whitespace_ = indention_ = false;
    bool spaces = false;
    long start = 0, end = 0, n = static_cast<long>(text.size());
    // Plain scalars never contain breaks here (line breaks rule plain style out).
    for (; end <= n; ++end) {
      bool has = end < n;
      char32_t ch = has ? text[end] : 0;
      if (spaces) {
        if (!has || ch != ' ') {
          if (start + 1 == end && column_ > kBestWidth) {
            WriteIndent();
            whitespace_ = indention_ = false;
          } else {
            Write(text, start, end);
          }
          start = end;
        }
      } else if (!has || ch == ' ') {
        Write(text, start, end);
        start = end;
      }
      if (has) spaces = ch == ' ';
    }
  }

  void SingleQuoted(const Text& text) {
    Indicator("'", true);
    bool spaces = false, breaks = false;
    long start = 0, end = 0, n = static_cast<long>(text.size());
    for (; end <= n; ++end) {
      bool has = end < n;
      char32_t ch = has ? text[end] : 0;
      if (spaces) {
        if (!has || ch != ' ') {
          if (start + 1 == end && column_ > kBestWidth && start != 0 && end != n) {
            WriteIndent();
          } else {
            Write(text, start, end);
          }
          start = end;
        }
      } else if (breaks) {
        if (!has || !IsBreak(ch)) {
          if (text[start] == '\n') WriteLineBreak();
          for (long i = start; i < end; ++i) WriteLineBreak(text[i]);
          WriteIndent();
          start = end;
        }
      } else if ((!has || ch == ' ' || IsBreak(ch) || ch == '\'') && start < end) {
        Write(text, start, end);
        start = end;
      }
      if (has && ch == '\'') {
        WriteAscii("''");
        start = end + 1;
      }
      if (has) {
        spaces = ch == ' ';
        breaks = IsBreak(ch);
      }
    }
    Indicator("'", false);
  }

  static std::string Escape(char32_t ch) {
    switch (ch) {
      case 0x00:
        return "\\0";
      case 0x07:
        return "\\a";
      case 0x08:
        return "\\b";
      case 0x09:
        return "\\t";
      case 0x0A:
        return "\\n";
      case 0x0B:
        return "\\v";
      case 0x0C:
        return "\\f";
      case 0x0D:
        return "\\r";
      case 0x1B:
        return "\\e";
      case '"':
        return "\\\"";
      case '\\':
        return "\\\\";
      case 0x85:
        return "\\N";
      case 0xA0:
        return "\\_";
      case 0x2028:
        return "\\L";
      case 0x2029:
        return "\\P";
      default:
        break;
    }
    char buf[16];
    if (ch <= 0xFF) {
      std::snprintf(buf, sizeof buf, "\\x%02X", unsigned(ch));
    } else if (ch <= 0xFFFF) {
      std::snprintf(buf, sizeof buf, "\\u%04X", unsigned(ch));
    } else {
      std::snprintf(buf, sizeof buf, "\\U%08X", unsigned(ch));
    }
    return buf;
  }

  void DoubleQuoted(const Text& text) {
    Indicator("\"", true);
    long start = 0, end = 0, n = static_cast<long>(text.size());
    for (; end <= n; ++end) {
      bool has = end < n;
      char32_t ch = has ? text[end] : 0;
      if (!has || ch == '"' || ch == '\\' || ch == 0xFEFF || !(ch >= 0x20 && ch <= 0x7E)) {
        if (start < end) {
          Write(text, start, end);
          start = end;
        }
        if (has) {
          WriteAscii(Escape(ch));
          start = end + 1;
        }
      }
      if (0 < end && end < n - 1 && (ch == ' ' || start >= end) &&
          column_ + (end - start) > kBestWidth) {
        Write(text, start, end);
        WriteAscii("\\");
        if (start < end) start = end;
        WriteIndent();
        whitespace_ = indention_ = false;
        if (text[start] == ' ') WriteAscii("\\");
      }
    }
    Indicator("\"", false);
  }

  long column_ = 0;
  long indent_ = 0;
  bool whitespace_ = true;
  bool indention_ = true;
};

}  // namespace

std::string PythonYamlDumpMapping(const std::map<std::string, PyYamlValue>& mapping) {
  for (const auto& [key, value] : mapping) {
    bool ok = !key.empty() && ResolvesToStr(key);
    for (char c : key)
      ok = ok &&
           ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
    if (!ok) throw std::invalid_argument("PythonYamlDumpMapping: unsupported key '" + key + "'");
  }
  Emitter emitter;
  emitter.Mapping(mapping);
  return std::move(emitter.out);
}

}  // namespace shardyfusion
