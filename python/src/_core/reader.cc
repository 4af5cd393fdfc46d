// ConcurrentShardedReader / ShardedReader (reader.h) for Python.  Every call that may touch
// storage, SQLite or a lock runs with the GIL released; multi_get crosses the boundary once.
#include "shardyfusion/reader.h"

#include <nanobind/stl/optional.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>

#include "common.h"
#include "shardyfusion/errors.h"
#include "shardyfusion/manifest_store.h"
#include "shardyfusion/rate_limiter.h"

namespace shardy_py {

using namespace shardyfusion;

namespace {

// Owns the C++ reader so it can be built and destroyed without the GIL.
struct PyReader {
  std::unique_ptr<ConcurrentShardedReader> impl;

  ConcurrentShardedReader& get() {
    if (!impl) throw ReaderStateError("reader is not initialized");
    return *impl;
  }
  ~PyReader() {
    if (!impl) return;
    nb::gil_scoped_release release;
    impl.reset();
  }
};

// A borrowed shard of one snapshot (stays valid across refreshes until closed).
struct PyHandle {
  std::optional<ShardReaderHandle> handle;
  uint32_t db_id = 0;

  ShardReaderHandle& get() {
    if (!handle) throw ReaderStateError("shard handle is closed");
    return *handle;
  }
  void Close() {
    nb::gil_scoped_release release;
    handle.reset();
  }
  ~PyHandle() {
    if (!handle) return;
    nb::gil_scoped_release release;
    handle.reset();
  }
};

ReaderOptions OptionsFromPy(const nb::dict& d) {
  ReaderOptions o;
  o.s3_prefix = Get<std::string>(d, "s3_prefix").value_or("");
  o.local_root = Get<std::string>(d, "local_root").value_or("");
  o.resolver = ResolverFromPy(d.contains("s3_options") ? d["s3_options"] : nb::none());
  if (d.contains("manifest_store") && !d["manifest_store"].is_none())
    o.manifest_store = nb::cast<std::shared_ptr<ManifestStore>>(d["manifest_store"]);
  if (auto v = Get<std::string>(d, "current_pointer_key")) o.current_pointer_key = *v;
  if (auto v = Get<std::string>(d, "sqlite_mode")) {
    if (*v == "auto")
      o.sqlite_mode = SqliteReadMode::kAuto;
    else if (*v == "download")
      o.sqlite_mode = SqliteReadMode::kDownload;
    else if (*v == "range")
      o.sqlite_mode = SqliteReadMode::kRange;
    else
      throw ConfigValidationError("sqlite_mode='" + *v +
                                  "': allowed values are auto, download, range");
  }
  if (auto v = Get<std::string>(d, "backend")) o.backend = ParseShardBackend(*v);
  if (auto v = Get<uint64_t>(d, "slatedb_block_cache_bytes")) o.slatedb.block_cache_bytes = *v;
  if (auto v = Get<uint64_t>(d, "slatedb_disk_cache_bytes")) o.slatedb.disk_cache_bytes = *v;
  if (auto v = Get<uint64_t>(d, "slatedb_part_size_bytes")) o.slatedb.part_size_bytes = *v;
  if (auto v = Get<uint64_t>(d, "sqlite_auto_per_shard_bytes")) o.sqlite_auto_per_shard_bytes = *v;
  if (auto v = Get<uint64_t>(d, "sqlite_auto_total_bytes")) o.sqlite_auto_total_bytes = *v;
  if (auto v = Get<int>(d, "max_workers")) o.max_workers = *v;
  if (auto v = Get<int>(d, "max_fallback_attempts")) o.max_fallback_attempts = *v;
  if (auto v = Get<std::string>(d, "thread_safety")) {
    if (*v == "lock")
      o.thread_safety = ThreadSafety::kLock;
    else if (*v == "pool")
      o.thread_safety = ThreadSafety::kPool;
    else
      throw ConfigValidationError("thread_safety='" + *v + "': allowed values are lock, pool");
  }
  if (auto v = Get<int>(d, "pool_size")) o.pool_size = *v;
  if (auto v = Get<double>(d, "pool_checkout_timeout_s"))
    o.pool_checkout_timeout = std::chrono::milliseconds(static_cast<int64_t>(*v * 1000));
  o.metrics =
      CollectorFromPy(d.contains("metrics_collector") ? d["metrics_collector"] : nb::none());
  if (d.contains("rate_limiter") && !d["rate_limiter"].is_none())
    o.rate_limiter = nb::cast<std::shared_ptr<TokenBucket>>(d["rate_limiter"]);
  o.pinned_ref = Get<std::string>(d, "pinned_ref");
  o.pinned_offset = Get<size_t>(d, "pinned_offset");
  return o;
}

std::vector<Key> KeysFromPy(nb::handle keys, nb::object& seq) {
  seq = nb::steal(PySequence_Fast(keys.ptr(), "keys must be an iterable"));
  if (!seq.is_valid()) throw nb::python_error();
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq.ptr());
  PyObject** items = PySequence_Fast_ITEMS(seq.ptr());
  std::vector<Key> out;
  out.reserve(static_cast<size_t>(n));
  for (Py_ssize_t i = 0; i < n; ++i) out.push_back(KeyFromPy(items[i]));
  return out;
}

nb::object ValueToPy(const std::optional<std::string>& v) {
  if (!v) return nb::none();
  return nb::steal(PyBytes_FromStringAndSize(v->data(), static_cast<Py_ssize_t>(v->size())));
}

std::vector<std::string> BytesListFromPy(nb::handle keys) {
  nb::object seq = nb::steal(PySequence_Fast(keys.ptr(), "keys must be an iterable of bytes"));
  if (!seq.is_valid()) throw nb::python_error();
  Py_ssize_t n = PySequence_Fast_GET_SIZE(seq.ptr());
  PyObject** items = PySequence_Fast_ITEMS(seq.ptr());
  std::vector<std::string> out(static_cast<size_t>(n));
  for (Py_ssize_t i = 0; i < n; ++i)
    if (!ValueFromPy(items[i], out[static_cast<size_t>(i)]))
      throw nb::type_error("shard handle keys must be bytes");
  return out;
}

nb::dict ShardingToPy(const ShardingSpec& s) {
  nb::dict d;
  d["strategy"] = s.strategy == ShardingStrategy::kHash ? "hash" : "cel";
  d["hash_algorithm"] = s.hash_algorithm;
  d["cel_expr"] = s.cel_expr ? nb::cast(*s.cel_expr) : nb::none();
  return d;
}

// scan_iter's iterator: fetches `chunk` rows at a time through the handle.
struct PyScanIter {
  nb::object owner;  // the PyHandle, kept alive while iterating
  std::optional<std::string> next_start, end;
  size_t chunk = 1024;
  std::vector<std::pair<std::string, std::string>> rows;
  size_t pos = 0;
  bool exhausted = false;

  nb::tuple Next() {
    if (pos == rows.size()) {
      if (exhausted) throw nb::stop_iteration();
      PyHandle& h = nb::cast<PyHandle&>(owner);
      {
        nb::gil_scoped_release release;
        rows = h.get().Scan(next_start, end, chunk);
      }
      pos = 0;
      exhausted = rows.size() < chunk;
      if (!rows.empty()) next_start = rows.back().first + std::string(1, '\0');
      if (rows.empty()) throw nb::stop_iteration();
    }
    const auto& [k, v] = rows[pos++];
    return nb::make_tuple(nb::bytes(k.data(), k.size()), nb::bytes(v.data(), v.size()));
  }
};

std::optional<std::string> OptionalBytes(const nb::object& o, const char* what) {
  if (o.is_none()) return std::nullopt;
  if (!nb::isinstance<nb::bytes>(o))
    throw ConfigValidationError(std::string(what) + " must be bytes or None");
  nb::bytes b = nb::borrow<nb::bytes>(o);
  return std::string(b.c_str(), b.size());
}

nb::object MakeHandle(ShardReaderHandle&& h) {
  auto* py = new PyHandle();
  py->db_id = h.db_id();
  py->handle.emplace(std::move(h));
  return nb::cast(py, nb::rv_policy::take_ownership);
}

}  // namespace

void RegisterReader(nb::module_& m) {
  nb::class_<PyHandle>(
      m, "ShardReaderHandle",
      "A borrowed view of one shard of one snapshot; lookups take storage key bytes. "
      "Keeps that snapshot alive (even across refresh) until close().")
      .def_ro("db_id", &PyHandle::db_id, "The shard id.")
      .def(
          "get",
          [](PyHandle& h, nb::bytes key) {
            std::string k(key.c_str(), key.size());
            std::optional<std::string> v;
            {
              nb::gil_scoped_release release;
              v = h.get().Get(k);
            }
            return ValueToPy(v);
          },
          nb::arg("key"), "Value for raw storage key bytes, or None.")
      .def(
          "multi_get",
          [](PyHandle& h, nb::handle keys) {
            std::vector<std::string> ks = BytesListFromPy(keys);
            std::vector<std::optional<std::string>> vs;
            {
              nb::gil_scoped_release release;
              vs = h.get().MultiGet(ks);
            }
            nb::list out;
            for (const auto& v : vs) out.append(ValueToPy(v));
            return out;
          },
          nb::arg("keys"), "Values for raw storage keys, in order (None when absent).")
      .def(
          "scan_iter",
          [](nb::handle self, nb::object start, nb::object end, size_t chunk_size) {
            if (chunk_size == 0) throw ConfigValidationError("chunk_size must be > 0");
            nb::cast<PyHandle&>(self).get();  // a closed handle fails here, not at the first next()
            auto it = std::make_unique<PyScanIter>();  // nothing leaks if a bound is rejected
            it->next_start = OptionalBytes(start, "start");
            it->end = OptionalBytes(end, "end");
            it->chunk = chunk_size;
            it->owner = nb::borrow(self);
            return nb::cast(it.release(), nb::rv_policy::take_ownership);
          },
          nb::arg("start") = nb::none(), nb::arg("end") = nb::none(), nb::arg("chunk_size") = 1024,
          "Iterate (key, value) bytes pairs of [start, end) in storage-key order, chunk_size rows "
          "per fetch.  SlateDB shards only; SQLite shards raise DbAdapterError.")
      .def("close", &PyHandle::Close, "Release the borrow (not the shard). Idempotent.")
      .def("__enter__", [](nb::handle self) { return nb::borrow(self); })
      .def("__exit__", [](PyHandle& h, nb::args) { h.Close(); })
      .def_prop_ro("closed", [](const PyHandle& h) { return !h.handle.has_value(); });

  nb::class_<PyScanIter>(m, "ShardScanIterator", "Iterator returned by ShardReaderHandle.scan_iter.")
      .def("__iter__", [](nb::handle self) { return nb::borrow(self); })
      .def("__next__", &PyScanIter::Next);

  nb::class_<PyReader>(
      m, "ReaderCore",
      "The C++ sharded reader; use shardyfusion.ShardedReader / ConcurrentShardedReader.")
      .def(
          "__init__",
          [](PyReader* self, const nb::dict& options, bool single) {
            ReaderOptions o = OptionsFromPy(options);
            new (self) PyReader();
            nb::gil_scoped_release release;
            if (single)
              self->impl = std::make_unique<ShardedReader>(std::move(o));
            else
              self->impl = std::make_unique<ConcurrentShardedReader>(std::move(o));
          },
          nb::arg("options"), nb::arg("single") = false)
      .def(
          "get",
          [](PyReader& r, nb::handle key, nb::handle routing_context) {
            Key k = KeyFromPy(key.ptr());
            std::optional<std::string> v;
            if (routing_context.is_none()) {
              nb::gil_scoped_release release;
              v = r.get().Get(k);
            } else {
              auto ctx = ContextFromPy(routing_context);
              nb::gil_scoped_release release;
              v = r.get().Get(k, &*ctx);
            }
            return ValueToPy(v);
          },
          nb::arg("key"), nb::kw_only(), nb::arg("routing_context").none() = nb::none(),
          "Value bytes for `key`, or None when absent.")
      .def(
          "multi_get",
          [](PyReader& r, nb::handle keys, nb::handle routing_context) {
            nb::object seq;
            std::vector<Key> ks = KeysFromPy(keys, seq);
            auto ctx = ContextFromPy(routing_context);
            std::vector<std::optional<std::string>> vs;
            {
              nb::gil_scoped_release release;
              vs = r.get().MultiGet(ks, ctx ? &*ctx : nullptr);
            }
            nb::dict out;
            PyObject** items = PySequence_Fast_ITEMS(seq.ptr());
            for (size_t i = 0; i < vs.size(); ++i) {
              nb::object v = ValueToPy(vs[i]);
              if (PyDict_SetItem(out.ptr(), items[i], v.ptr()) != 0) throw nb::python_error();
            }
            return out;
          },
          nb::arg("keys"), nb::kw_only(), nb::arg("routing_context").none() = nb::none(),
          "{key: value or None} in input order; each shard is read once.")
      .def(
          "refresh",
          [](PyReader& r) {
            nb::gil_scoped_release release;
            return r.get().Refresh();
          },
          "Load the snapshot _CURRENT names now; True when it changed.")
      .def(
          "close",
          [](PyReader& r) {
            nb::gil_scoped_release release;
            r.get().Close();
          },
          "Close the reader (idempotent); later lookups raise ReaderStateError.")
      .def(
          "route_key",
          [](PyReader& r, nb::handle key, nb::handle routing_context) {
            Key k = KeyFromPy(key.ptr());
            auto ctx = ContextFromPy(routing_context);
            nb::gil_scoped_release release;
            return r.get().RouteKey(k, ctx ? &*ctx : nullptr);
          },
          nb::arg("key"), nb::kw_only(), nb::arg("routing_context").none() = nb::none(),
          "Shard id of `key`.")
      .def(
          "shard_for_key",
          [](PyReader& r, nb::handle key, nb::handle routing_context) {
            Key k = KeyFromPy(key.ptr());
            auto ctx = ContextFromPy(routing_context);
            std::optional<RequiredShardMeta> meta;
            {
              nb::gil_scoped_release release;
              meta = r.get().ShardForKey(k, ctx ? &*ctx : nullptr);
            }
            return ShardMetaToPy(*meta);
          },
          nb::arg("key"), nb::kw_only(), nb::arg("routing_context").none() = nb::none(),
          "Shard metadata (dict) of the shard `key` routes to.")
      .def(
          "reader_for_key",
          [](PyReader& r, nb::handle key, nb::handle routing_context) {
            Key k = KeyFromPy(key.ptr());
            auto ctx = ContextFromPy(routing_context);
            std::optional<ShardReaderHandle> handle;
            {
              nb::gil_scoped_release release;
              handle.emplace(r.get().ReaderForKey(k, ctx ? &*ctx : nullptr));
            }
            return MakeHandle(std::move(*handle));
          },
          nb::arg("key"), nb::kw_only(), nb::arg("routing_context").none() = nb::none(),
          "A borrowed ShardReaderHandle for the shard `key` routes to.")
      .def(
          "encode_key",
          [](PyReader& r, nb::handle key) {
            Key k = KeyFromPy(key.ptr());
            std::string b;
            {
              nb::gil_scoped_release release;
              b = StorageBytes(k, r.get().key_encoding());
            }
            return nb::bytes(b.data(), b.size());
          },
          nb::arg("key"), "Storage bytes of `key` under this snapshot's key encoding.")
      .def(
          "snapshot_info",
          [](PyReader& r) {
            SnapshotInfo s;
            {
              nb::gil_scoped_release release;
              s = r.get().GetSnapshotInfo();
            }
            nb::dict d;
            d["run_id"] = s.run_id;
            d["num_dbs"] = s.num_dbs;
            d["sharding"] = ShardingToPy(s.sharding);
            d["created_at"] = MicrosFromTimestamp(s.created_at);
            d["manifest_ref"] = s.manifest_ref;
            d["row_count"] = s.row_count;
            d["key_encoding"] = std::string(KeyEncodingName(s.key_encoding));
            d["hash_algorithm"] = s.hash_algorithm;
            return d;
          },
          "Snapshot metadata (dict).")
      .def(
          "shard_details",
          [](PyReader& r) {
            std::vector<ShardDetail> details;
            {
              nb::gil_scoped_release release;
              details = r.get().GetShardDetails();
            }
            nb::list out;
            for (const auto& s : details) {
              nb::dict d;
              d["db_id"] = s.db_id;
              d["row_count"] = s.row_count;
              d["min_key"] = s.min_key ? KeyToPy(*s.min_key) : nb::none();
              d["max_key"] = s.max_key ? KeyToPy(*s.max_key) : nb::none();
              d["db_url"] = s.db_url ? nb::cast(*s.db_url) : nb::none();
              d["db_bytes"] = s.db_bytes;
              out.append(d);
            }
            return out;
          },
          "Per-shard metadata (dicts), empty shards included.")
      .def(
          "health",
          [](PyReader& r, std::optional<double> staleness_threshold_s) {
            std::optional<std::chrono::milliseconds> threshold;
            if (staleness_threshold_s)
              threshold =
                  std::chrono::milliseconds(static_cast<int64_t>(*staleness_threshold_s * 1000));
            ReaderHealth h;
            {
              nb::gil_scoped_release release;
              h = r.get().Health(threshold);
            }
            nb::dict d;
            d["status"] = h.status == HealthStatus::kHealthy    ? "healthy"
                          : h.status == HealthStatus::kDegraded ? "degraded"
                                                                : "unhealthy";
            d["manifest_ref"] = h.manifest_ref;
            d["manifest_age_ms"] = static_cast<int64_t>(h.manifest_age.count());
            d["num_shards"] = h.num_shards;
            d["is_closed"] = h.is_closed;
            return d;
          },
          nb::arg("staleness_threshold_s").none() = nb::none(), "Reader health (dict).")
      .def_prop_ro(
          "key_encoding",
          [](PyReader& r) {
            nb::gil_scoped_release release;
            return std::string(KeyEncodingName(r.get().key_encoding()));
          },
          "The snapshot's key encoding name.")
      .def_prop_ro(
          "manifest_ref",
          [](PyReader& r) {
            nb::gil_scoped_release release;
            return r.get().manifest_ref();
          },
          "Ref of the served manifest.");
}

}  // namespace shardy_py
