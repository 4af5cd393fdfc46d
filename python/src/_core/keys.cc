// Keys, values and routing helpers (key.h, router.h, url.h) for Python.
#include <nanobind/stl/string.h>
#include <nanobind/stl/string_view.h>

#include "common.h"
#include "shardyfusion/errors.h"
#include "shardyfusion/manifest.h"
#include "shardyfusion/url.h"

namespace shardy_py {

using shardyfusion::Key;
using shardyfusion::KeyEncodingError;

namespace {

std::string TypeName(PyObject* obj) { return Py_TYPE(obj)->tp_name; }

bool BufferBytes(PyObject* obj, std::string& out) {
  if (!PyObject_CheckBuffer(obj)) return false;
  Py_buffer view;
  if (PyObject_GetBuffer(obj, &view, PyBUF_SIMPLE) != 0) {
    PyErr_Clear();
    return false;
  }
  out.assign(static_cast<const char*>(view.buf), static_cast<size_t>(view.len));
  PyBuffer_Release(&view);
  return true;
}

}  // namespace

Key KeyFromPy(PyObject* obj) {
  if (PyLong_Check(obj)) {
    if (PyBool_Check(obj))
      throw KeyEncodingError("bool is not a valid key (use int, str or bytes)");
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
    if (overflow == 0) {
      if (v == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        throw KeyEncodingError("integer key could not be read");
      }
      return Key::Int(v);
    }
    if (overflow > 0) {
      unsigned long long u = PyLong_AsUnsignedLongLong(obj);
      if (u == static_cast<unsigned long long>(-1) && PyErr_Occurred()) {
        PyErr_Clear();
        throw KeyEncodingError("integer key does not fit in 64 bits (must be < 2**64)");
      }
      return Key::UInt(u);
    }
    throw KeyEncodingError("integer key is below -2**63");
  }
  if (PyUnicode_Check(obj)) {
    Py_ssize_t n = 0;
    const char* s = PyUnicode_AsUTF8AndSize(obj, &n);
    if (!s) {
      PyErr_Clear();
      throw KeyEncodingError("string key cannot be encoded as UTF-8");
    }
    return Key::Str(std::string(s, static_cast<size_t>(n)));
  }
  if (PyBytes_Check(obj))
    return Key::Bytes(
        std::string(PyBytes_AS_STRING(obj), static_cast<size_t>(PyBytes_GET_SIZE(obj))));
  std::string raw;
  if (!PyUnicode_Check(obj) && BufferBytes(obj, raw)) return Key::Bytes(std::move(raw));
  throw KeyEncodingError("unsupported key type '" + TypeName(obj) +
                         "': keys must be int, str or bytes");
}

nb::object KeyToPy(const Key& key) {
  switch (key.kind()) {
    case Key::Kind::kInt:
      return nb::steal(PyLong_FromLongLong(key.int_value()));
    case Key::Kind::kUInt:
      return nb::steal(PyLong_FromUnsignedLongLong(key.uint_value()));
    case Key::Kind::kStr:
      return nb::steal(PyUnicode_DecodeUTF8(key.data().data(),
                                            static_cast<Py_ssize_t>(key.data().size()), "replace"));
    case Key::Kind::kBytes:
      return nb::steal(
          PyBytes_FromStringAndSize(key.data().data(), static_cast<Py_ssize_t>(key.data().size())));
  }
  return nb::none();
}

bool ValueFromPy(PyObject* obj, std::string& out) {
  if (PyBytes_Check(obj)) {
    out.assign(PyBytes_AS_STRING(obj), static_cast<size_t>(PyBytes_GET_SIZE(obj)));
    return true;
  }
  if (PyUnicode_Check(obj)) {
    Py_ssize_t n = 0;
    const char* s = PyUnicode_AsUTF8AndSize(obj, &n);
    if (!s) {
      PyErr_Clear();
      return false;
    }
    out.assign(s, static_cast<size_t>(n));
    return true;
  }
  return BufferBytes(obj, out);
}

std::optional<shardyfusion::RoutingContext> ContextFromPy(nb::handle obj) {
  if (obj.is_none()) return std::nullopt;
  if (!PyDict_Check(obj.ptr()))
    throw nb::type_error("routing_context must be a dict of name -> key");
  shardyfusion::RoutingContext context;
  PyObject *k, *v;
  Py_ssize_t pos = 0;
  while (PyDict_Next(obj.ptr(), &pos, &k, &v)) {
    if (!PyUnicode_Check(k)) throw nb::type_error("routing_context names must be str");
    context.emplace(nb::cast<std::string>(nb::handle(k)), KeyFromPy(v));
  }
  return context;
}

int64_t MicrosFromTimestamp(shardyfusion::Timestamp t) { return t.time_since_epoch().count(); }

void RegisterKeys(nb::module_& m) {
  using namespace shardyfusion;
  auto encoding = [](const std::string& name) { return ParseKeyEncoding(name); };

  m.def(
      "storage_bytes",
      [encoding](nb::handle key, const std::string& key_encoding) {
        std::string b = StorageBytes(KeyFromPy(key.ptr()), encoding(key_encoding));
        return nb::bytes(b.data(), b.size());
      },
      nb::arg("key"), nb::arg("key_encoding") = "u64be",
      "Storage bytes of `key` under `key_encoding` (what the shard database holds).");
  m.def(
      "routing_bytes",
      [](nb::handle key) {
        std::string b = RoutingBytes(KeyFromPy(key.ptr()));
        return nb::bytes(b.data(), b.size());
      },
      nb::arg("key"), "Canonical routing bytes of `key` (int: 8-byte signed little-endian).");
  m.def(
      "routing_digest", [](nb::handle key) { return RoutingDigest(KeyFromPy(key.ptr())); },
      nb::arg("key"), "XXH3-64 (seed 0) of the routing bytes.");
  m.def(
      "hash_db_id",
      [](nb::handle key, uint32_t num_dbs) { return HashDbId(KeyFromPy(key.ptr()), num_dbs); },
      nb::arg("key"), nb::arg("num_dbs"), "HASH routing: routing_digest(key) % num_dbs.");
  m.def(
      "normalize_key_encoding",
      [](const std::string& name) { return std::string(KeyEncodingName(ParseKeyEncoding(name))); },
      nb::arg("name"), "Canonical key-encoding name; ConfigValidationError when unknown.");
  m.def(
      "validate_root_url",
      [](const std::string& url, const std::string& field) { ValidateRootUrl(url, field); },
      nb::arg("url"), nb::arg("field"),
      "ConfigValidationError unless `url` is a usable snapshot root.");
  m.def(
      "validate_path_segment",
      [](const std::string& value, const std::string& field) { ValidatePathSegment(value, field); },
      nb::arg("value"), nb::arg("field"),
      "ConfigValidationError unless `value` is one safe path segment.");
  m.def(
      "format_db_path",
      [](const std::string& tmpl, uint32_t db_id) { return FormatDbPath(tmpl, db_id); },
      nb::arg("template"), nb::arg("db_id"), "Expand a db_path_template for `db_id`.");
  m.def("num_dbs_for_max_keys", &NumDbsForMaxKeys, nb::arg("total_rows"),
        nb::arg("max_keys_per_shard"), "max(1, ceil(total_rows / max_keys_per_shard)).");
}

}  // namespace shardy_py
