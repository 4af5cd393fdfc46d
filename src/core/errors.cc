#include "shardyfusion/errors.h"

namespace shardyfusion {

bool IsRetryable(const std::exception& e) noexcept {
  const auto* sf = dynamic_cast<const ShardyfusionError*>(&e);
  return sf != nullptr && sf->retryable();
}

bool IsRetryable(const std::exception_ptr& e) noexcept {
  if (!e) return false;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return IsRetryable(ex);
  } catch (...) {
    return false;
  }
}

}  // namespace shardyfusion
