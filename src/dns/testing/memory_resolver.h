// memory_resolver.h — for tests only: a Resolver answering from records added in memory, for
// the unit tests of code that asks DNS questions (SPF, DKIM, DMARC). It is a test double of
// our own interface, not a DNS implementation: no wildcards, no CNAMEs, no zone cuts.
//
// Names match ASCII case-insensitively, with or without one trailing dot. A name with a record
// of any type exists: other types are answered NODATA (kFound, no records); a name with no
// record is kNxDomain. set_outcome() overrides that for a name (every type, or one type), so
// a test can make a name SERVFAIL (kTempFail) or refused (kPermFail). Every answer carries the
// name's Security (default kInsecure). PTR records are keyed by address: "192.0.2.1",
// "::ffff:c000:201" and "2001:DB8::1" are stored under their reverse names (ptr_name.h).
//
// Every question is counted and logged ("TXT example.com") so tests can check lookup limits.
//
// Thread-safety: all members may be called from any number of threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dns/resolver.h"

namespace sealmail::dns::testing {

enum class RecordType { kTxt, kA, kAaaa, kMx, kPtr };

class MemoryResolver final : public Resolver {
 public:
  void add_txt(std::string_view name, std::string_view text);
  void add_a(std::string_view name, std::string_view address);
  void add_aaaa(std::string_view name, std::string_view address);
  void add_mx(std::string_view name, uint16_t preference, std::string_view host);
  // `address` must be a valid IPv4 or IPv6 address (checked: a test typo is a bug).
  void add_ptr(std::string_view address, std::string_view host);

  // Replaces the TXT records of `name` (and whatever outcome was set for it) and sets its
  // security: for tests that change a record between two lookups.
  void set_txt(std::string_view name, std::vector<std::string> records,
               Security security = Security::kInsecure);

  // Answers every question about `name` (or only those of `type`) with `outcome`, no records.
  void set_outcome(std::string_view name, Outcome outcome);
  void set_outcome(std::string_view name, RecordType type, Outcome outcome);
  void set_security(std::string_view name, Security security);

  // Questions asked so far, and their log: "MX example.com", "PTR 192.0.2.1".
  size_t query_count() const;
  // How many of them were exactly `entry` ("TXT example.com"), ASCII case folded.
  size_t query_count(std::string_view entry) const;
  std::vector<std::string> queries() const;
  void clear_queries();

  Answer<std::string> txt(std::string_view name) override;
  Answer<std::string> a(std::string_view name) override;
  Answer<std::string> aaaa(std::string_view name) override;
  Answer<MxRecord> mx(std::string_view name) override;
  Answer<std::string> ptr(std::string_view address) override;

 private:
  struct Node {
    std::vector<std::string> txt, a, aaaa, ptr;
    std::vector<MxRecord> mx;
    std::optional<Outcome> outcome;                 // for every type
    std::map<RecordType, Outcome> outcome_by_type;  // wins over `outcome`
    Security security = Security::kInsecure;
    bool has_records = false;
  };

  template <typename Record>
  Answer<Record> lookup(std::string entry, std::string_view name, RecordType type,
                        std::vector<Record> Node::*records);
  Node& node(std::string_view name);

  mutable std::mutex mutex_;
  // Guarded by mutex_.
  std::map<std::string, Node> nodes_;  // key: lower-case name without trailing dot
  std::vector<std::string> queries_;
};

}  // namespace sealmail::dns::testing
