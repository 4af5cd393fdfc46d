// Shared helpers of the `shardyfusion._core` extension: Python <-> C++ conversions of keys,
// values, S3 settings and metrics collectors.  Every function that takes a PyObject* or an
// nb::handle must be called with the GIL held.
#pragma once

#include <nanobind/nanobind.h>

#include <memory>
#include <optional>
#include <string>

#include "shardyfusion/key.h"
#include "shardyfusion/manifest.h"
#include "shardyfusion/observability.h"
#include "shardyfusion/router.h"
#include "shardyfusion/store_resolver.h"

namespace nb = nanobind;

namespace shardy_py {

// d[key] converted to T; nullopt when the key is absent or None.
template <typename T>
std::optional<T> Get(const nb::dict& d, const char* key) {
  if (!d.contains(key)) return std::nullopt;
  nb::object v = d[key];
  if (v.is_none()) return std::nullopt;
  return nb::cast<T>(v);
}

// int -> Key::Int (or Key::UInt above INT64_MAX), str -> Key::Str, bytes-like -> Key::Bytes.
// Throws shardyfusion::KeyEncodingError for anything else (bool, float, None, out of range).
shardyfusion::Key KeyFromPy(PyObject* obj);
// The reverse, for min/max keys and introspection.
nb::object KeyToPy(const shardyfusion::Key& key);

// bytes / bytearray / memoryview are copied; str is encoded as UTF-8.  Returns false (with
// no Python error set) when `obj` is none of these.
bool ValueFromPy(PyObject* obj, std::string& out);

// A routing context dict {name: key}; None -> nullopt.
std::optional<shardyfusion::RoutingContext> ContextFromPy(nb::handle obj);

// A resolver for the S3 settings dict built by shardyfusion._s3 (keys: endpoint_url, region,
// addressing_style, verify_ssl, connect_timeout, read_timeout, max_attempts,
// access_key_id, secret_access_key, session_token); None -> environment only.  A fresh
// resolver each time so environment changes after import are honoured.
std::shared_ptr<shardyfusion::StoreResolver> ResolverFromPy(nb::handle s3_options);

// Wraps a Python object with `emit(event, payload)`; None -> nullptr.  The adapter takes
// the GIL for each event and never lets a collector exception escape into C++.
std::shared_ptr<shardyfusion::MetricsCollector> CollectorFromPy(nb::handle obj);

// Microseconds since the Unix epoch (Python turns them into aware datetimes).
int64_t MicrosFromTimestamp(shardyfusion::Timestamp t);

// Python dicts for the manifest model types (converted to dataclasses in Python).
nb::dict ShardMetaToPy(const shardyfusion::RequiredShardMeta& meta);
nb::dict BuildMetaToPy(const shardyfusion::RequiredBuildMeta& build);
nb::dict ManifestToPy(const shardyfusion::ParsedManifest& manifest);
nb::tuple ManifestRefToPy(const shardyfusion::ManifestRef& ref);

// Registration of each part of the module.
void RegisterErrors(nb::module_& m);
void RegisterKeys(nb::module_& m);
void RegisterMetrics(nb::module_& m);
void RegisterManifest(nb::module_& m);
void RegisterWriter(nb::module_& m);
void RegisterReader(nb::module_& m);

}  // namespace shardy_py
