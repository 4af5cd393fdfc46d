#include "shardyfusion/observability.h"

namespace shardyfusion {

void ListMetricsCollector::Emit(std::string_view event, const MetricPayload& payload) {
  std::lock_guard lock(mu_);
  events_.emplace_back(std::string(event), payload);
}

std::vector<std::pair<std::string, MetricPayload>> ListMetricsCollector::events() const {
  std::lock_guard lock(mu_);
  return events_;
}

std::vector<std::string> ListMetricsCollector::event_names() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> names;
  names.reserve(events_.size());
  for (const auto& e : events_) names.push_back(e.first);
  return names;
}

}  // namespace shardyfusion
