// test_sink.h — a MailSink for tests and the fuzzer (not part of the library). It hosts the
// domain our.test and refuses everything else, the way the mx role must:
//   other domain, or a local part holding '@', '%' or '!' (relay forms)  → 550 5.7.1
//   full@our.test → 452 4.2.2;  nobody@our.test → 550 5.1.1;  Postmaster and others → 250 2.1.5
// deliver() records the message and answers "250 2.0.0 queued #N <body>", the body being the
// message after the engine's Received: header with control bytes escaped (\r \n \0 \xHH), so
// golden transcripts show exactly what was delivered. A message containing "X-Test: tempfail"
// gets 451 4.3.0.
// Thread-safety: none (one test at a time).
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/engine.h"

namespace sealmail::smtp::testing {

inline std::string escape_bytes(std::string_view bytes, size_t max = 200) {
  std::string out;
  for (unsigned char c : bytes) {
    if (out.size() >= max) return out + "...";
    if (c == '\r')
      out += "\\r";
    else if (c == '\n')
      out += "\\n";
    else if (c == '\0')
      out += "\\0";
    else if (c == '\\')
      out += "\\\\";
    else if (c < 32 || c >= 127) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", c);
      out += hex;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// The message after the engine's Received: header (the first field and its continuations).
inline std::string_view after_received(std::string_view message) {
  size_t pos = 0;
  while ((pos = message.find("\r\n", pos)) != std::string_view::npos) {
    pos += 2;
    if (pos >= message.size() || (message[pos] != '\t' && message[pos] != ' '))
      return message.substr(pos);
  }
  return {};
}

class TestSink : public MailSink {
 public:
  struct Delivery {
    Envelope envelope;
    std::string message;
  };

  Verdict check_recipient(const Envelope&, std::string_view recipient) override {
    size_t at = recipient.rfind('@');
    if (at == std::string_view::npos) return {250, "2.1.5", "OK"};  // Postmaster
    std::string_view local = recipient.substr(0, at);
    std::string domain(recipient.substr(at + 1));
    for (char& c : domain)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (domain != "our.test" || local.find_first_of("@%!") != std::string_view::npos)
      return {550, "5.7.1", "Relaying denied"};
    if (local == "full") return {452, "4.2.2", "Mailbox full"};
    if (local == "nobody") return {550, "5.1.1", "No such user here"};
    return {250, "2.1.5", "OK"};
  }

  Verdict deliver(const Envelope& envelope, std::string_view message) override {
    if (message.find("X-Test: tempfail") != std::string_view::npos)
      return {451, "4.3.0", "Try again later"};
    deliveries.push_back({envelope, std::string(message)});
    return {250, "2.0.0",
            "queued #" + std::to_string(deliveries.size()) + " " +
                escape_bytes(after_received(message))};
  }

  std::vector<Delivery> deliveries;
};

}  // namespace sealmail::smtp::testing
