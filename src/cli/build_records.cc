#include "cli/build_records.h"

#include "cli/cli_error.h"
#include "cli/key_coercion.h"
#include "shardyfusion/errors.h"

namespace shardyfusion::cli {
namespace {

[[noreturn]] void Bad(const InputRecord& in, const std::string& why) {
  throw CommandError("input line " + std::to_string(in.line) + ": " + why);
}

const nlohmann::json& Field(const InputRecord& in, const std::string& name) {
  auto it = in.fields.find(name);
  if (it == in.fields.end()) Bad(in, "no field '" + name + "'");
  return *it;
}

Key IntegerKey(const InputRecord& in, const nlohmann::json& v, KeyEncoding encoding) {
  std::optional<Key> key;
  if (v.is_number_unsigned())
    key = Key::UInt(v.get<uint64_t>());
  else if (v.is_number_integer())
    key = Key::Int(v.get<int64_t>());
  else if (v.is_string())
    key = ParseIntegerKey(v.get<std::string>());
  const uint64_t max = encoding == KeyEncoding::kU32BE ? 0xFFFFFFFFull : UINT64_MAX;
  if (!key || key->is_negative() || key->uint_value() > max)
    Bad(in, "key " + v.dump() + " is not an integer in 0.." + std::to_string(max) +
                " (key encoding " + std::string(KeyEncodingName(encoding)) + ")");
  return *key;
}

}  // namespace

KeyEncoding InferKeyEncoding(const InputRecord& first, const std::string& key_field,
                             InputFormat format) {
  const nlohmann::json& v = Field(first, key_field);
  if (v.is_number_integer()) return KeyEncoding::kU64BE;
  // CSV/TSV fields are always text: digits there mean an integer column.  In JSON Lines a
  // quoted "42" is a string key.
  if (format != InputFormat::kJsonl && v.is_string()) {
    auto key = ParseIntegerKey(v.get<std::string>());
    if (key && !key->is_negative()) return KeyEncoding::kU64BE;
  }
  return KeyEncoding::kUtf8;
}

Record ToRecord(const InputRecord& in, const RecordMapping& m) {
  Record record;
  const nlohmann::json& k = Field(in, m.key_field);
  switch (m.key_encoding) {
    case KeyEncoding::kU64BE:
    case KeyEncoding::kU32BE:
      record.key = IntegerKey(in, k, m.key_encoding);
      break;
    case KeyEncoding::kUtf8:
    case KeyEncoding::kRaw: {
      std::string text;
      if (k.is_string())
        text = k.get<std::string>();
      else if (k.is_number_integer())
        text = k.dump();
      else
        Bad(in, "key " + k.dump() + " must be a string or an integer");
      try {
        record.key = m.key_encoding == KeyEncoding::kUtf8 ? Key::Str(std::move(text))
                                                          : Key::Bytes(std::move(text));
      } catch (const KeyEncodingError& e) {
        Bad(in, e.what());
      }
      break;
    }
  }
  if (m.value_field) {
    const nlohmann::json& v = Field(in, *m.value_field);
    record.value = v.is_string() ? v.get<std::string>() : v.is_null() ? std::string() : v.dump();
  } else {
    record.value = in.fields.dump();  // std::map-backed object: keys sorted, compact
  }
  return record;
}

}  // namespace shardyfusion::cli
