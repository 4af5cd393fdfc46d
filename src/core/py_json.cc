#include "core/py_json.h"

#include <cstdio>

namespace shardyfusion {
namespace {

void AppendEscapedUnit(uint32_t unit, std::string& out) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\u%04x", unit);
  out += buf;
}

void AppendString(const std::string& s, std::string& out) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
          if (c < 0x20) AppendEscapedUnit(c, out); else out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    // nlohmann only holds valid UTF-8 strings: decode one code point.
    int len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
    uint32_t cp = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
    for (int k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (s[i + k] & 0x3F);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      AppendEscapedUnit(0xD800 + (cp >> 10), out);
      AppendEscapedUnit(0xDC00 + (cp & 0x3FF), out);
    } else {
      AppendEscapedUnit(cp, out);
    }
    i += len;
  }
  out += '"';
}

void Append(const nlohmann::json& v, std::string& out) {
  switch (v.type()) {
    case nlohmann::json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [k, item] : v.items()) {  // std::map storage: keys already sorted
        if (!first) out += ", ";
        first = false;
        AppendString(k, out);
        out += ": ";
        Append(item, out);
      }
      out += '}';
      return;
    }
    case nlohmann::json::value_t::array: {
      out += '[';
      for (size_t i = 0; i < v.size(); ++i) {
        if (i) out += ", ";
        Append(v[i], out);
      }
      out += ']';
      return;
    }
    case nlohmann::json::value_t::string:
      AppendString(v.get_ref<const std::string&>(), out);
      return;
    default:
      out += v.dump();  // numbers, booleans, null
  }
}

}  // namespace

std::string PythonJsonDumps(const nlohmann::json& value) {
  std::string out;
  Append(value, out);
  return out;
}

}  // namespace shardyfusion
