// duration.h — human-written durations in configuration: "250ms", "30s", "5m", "2h", "7d".
//
// SECURITY: parses text from the config file; rejects anything else with an error.
// Thread-safety: pure functions.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "base/result.h"

namespace sealmail {

Result<std::chrono::milliseconds> parse_duration(std::string_view text);

// The shortest exact spelling: 300000ms → "5m", 1500ms → "1500ms".
std::string format_duration(std::chrono::milliseconds d);

}  // namespace sealmail
