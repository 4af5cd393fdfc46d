// Python metrics collectors as C++ MetricsCollectors, the token bucket, and logging setup.
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>

#include <variant>

#include "common.h"
#include "shardyfusion/rate_limiter.h"

namespace shardy_py {
namespace {

nb::object MetricValueToPy(const shardyfusion::MetricValue& v) {
  return std::visit(
      [](const auto& x) -> nb::object {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return nb::str(x.data(), x.size());
        } else if constexpr (std::is_same_v<T, bool>) {
          return nb::bool_(x);
        } else if constexpr (std::is_same_v<T, double>) {
          return nb::float_(x);
        } else {
          return nb::int_(x);
        }
      },
      v);
}

// Called from writer and reader threads: takes the GIL for each event.  A collector that
// raises is reported through sys.unraisablehook and never breaks the write or read.
class PyCollector final : public shardyfusion::MetricsCollector {
 public:
  explicit PyCollector(nb::handle obj) : emit_(obj.attr("emit")) {}
  ~PyCollector() override {
    if (!Py_IsInitialized()) {
      emit_.release();  // the interpreter is gone: leak rather than touch it
      return;
    }
    nb::gil_scoped_acquire gil;
    emit_.reset();
  }
  void Emit(std::string_view event, const shardyfusion::MetricPayload& payload) override {
    if (!Py_IsInitialized()) return;
    nb::gil_scoped_acquire gil;
    try {
      nb::dict d;
      for (const auto& [k, v] : payload) d[nb::str(k.data(), k.size())] = MetricValueToPy(v);
      emit_(nb::str(event.data(), event.size()), d);
    } catch (nb::python_error& e) {
      e.discard_as_unraisable("shardyfusion metrics collector emit()");
    }
  }

 private:
  nb::object emit_;
};

}  // namespace

std::shared_ptr<shardyfusion::MetricsCollector> CollectorFromPy(nb::handle obj) {
  if (!obj.is_valid() || obj.is_none()) return nullptr;
  if (!nb::hasattr(obj, "emit"))
    throw nb::type_error("metrics_collector must have an emit(event, payload) method");
  return std::make_shared<PyCollector>(obj);
}

void RegisterMetrics(nb::module_& m) {
  using shardyfusion::TokenBucket;
  nb::class_<TokenBucket>(
      m, "TokenBucket",
      "Token bucket: `rate` tokens per second, capacity = rate, starts full. Thread-safe.\n"
      "A request larger than the bucket borrows (it never hangs).")
      .def(
          "__init__",
          [](TokenBucket* self, double rate, const std::string& limiter_type,
             nb::handle metrics_collector) {
            new (self) TokenBucket(rate, limiter_type, CollectorFromPy(metrics_collector));
          },
          nb::arg("rate"), nb::arg("limiter_type") = "ops",
          nb::arg("metrics_collector").none() = nb::none())
      .def("acquire", &TokenBucket::Acquire, nb::arg("n") = 1.0,
           nb::call_guard<nb::gil_scoped_release>(),
           "Take `n` tokens, sleeping (without the GIL) as long as needed.")
      .def(
          "try_acquire",
          [](TokenBucket& b, double n) {
            auto r = b.TryAcquire(n);
            return nb::make_tuple(r.acquired, r.deficit_seconds);
          },
          nb::arg("n") = 1.0, "Take `n` tokens only if available now: (acquired, deficit_seconds).")
      .def_prop_ro("rate", &TokenBucket::rate, "Tokens per second.");

  m.def(
      "configure_logging",
      [](const std::string& level, bool json) {
        shardyfusion::LogConfig c;
        if (level == "debug")
          c.level = shardyfusion::LogLevel::kDebug;
        else if (level == "info")
          c.level = shardyfusion::LogLevel::kInfo;
        else if (level == "warning")
          c.level = shardyfusion::LogLevel::kWarning;
        else if (level == "error")
          c.level = shardyfusion::LogLevel::kError;
        else if (level == "critical")
          c.level = shardyfusion::LogLevel::kCritical;
        else
          throw std::invalid_argument("level must be debug|info|warning|error|critical");
        c.json = json;
        shardyfusion::ConfigureLogging(c);
      },
      nb::arg("level") = "warning", nb::arg("json") = false,
      "Configure the C++ core's structured log (stderr).");
}

}  // namespace shardy_py
