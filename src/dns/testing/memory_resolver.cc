#include "dns/testing/memory_resolver.h"

#include <utility>

#include "base/ascii.h"
#include "base/check.h"
#include "dns/ptr_name.h"

namespace sealmail::dns::testing {
namespace {

std::string key_of(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return ascii_lowercase(name);
}

std::string reverse_key(std::string_view address) {
  auto name = ptr_name(address);
  SEALMAIL_CHECK(name.has_value());
  return *name;
}

}  // namespace

MemoryResolver::Node& MemoryResolver::node(std::string_view name) { return nodes_[key_of(name)]; }

void MemoryResolver::add_txt(std::string_view name, std::string_view text) {
  std::lock_guard lock(mutex_);
  Node& n = node(name);
  n.txt.emplace_back(text);
  n.has_records = true;
}

void MemoryResolver::add_a(std::string_view name, std::string_view address) {
  std::lock_guard lock(mutex_);
  Node& n = node(name);
  n.a.emplace_back(address);
  n.has_records = true;
}

void MemoryResolver::add_aaaa(std::string_view name, std::string_view address) {
  std::lock_guard lock(mutex_);
  Node& n = node(name);
  n.aaaa.emplace_back(address);
  n.has_records = true;
}

void MemoryResolver::add_mx(std::string_view name, uint16_t preference, std::string_view host) {
  std::lock_guard lock(mutex_);
  Node& n = node(name);
  n.mx.push_back(MxRecord{preference, key_of(host)});
  n.has_records = true;
}

void MemoryResolver::add_ptr(std::string_view address, std::string_view host) {
  std::lock_guard lock(mutex_);
  Node& n = node(reverse_key(address));
  n.ptr.push_back(key_of(host));
  n.has_records = true;
}

void MemoryResolver::set_txt(std::string_view name, std::vector<std::string> records,
                             Security security) {
  std::lock_guard lock(mutex_);
  Node& n = node(name);
  n.txt = std::move(records);
  n.outcome.reset();
  n.outcome_by_type.erase(RecordType::kTxt);
  n.security = security;
  n.has_records = true;
}

void MemoryResolver::set_outcome(std::string_view name, Outcome outcome) {
  std::lock_guard lock(mutex_);
  node(name).outcome = outcome;
}

void MemoryResolver::set_outcome(std::string_view name, RecordType type, Outcome outcome) {
  std::lock_guard lock(mutex_);
  node(name).outcome_by_type[type] = outcome;
}

void MemoryResolver::set_security(std::string_view name, Security security) {
  std::lock_guard lock(mutex_);
  node(name).security = security;
}

size_t MemoryResolver::query_count() const {
  std::lock_guard lock(mutex_);
  return queries_.size();
}

size_t MemoryResolver::query_count(std::string_view entry) const {
  const std::string wanted = ascii_lowercase(entry);
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (const std::string& q : queries_) n += ascii_lowercase(q) == wanted;
  return n;
}

std::vector<std::string> MemoryResolver::queries() const {
  std::lock_guard lock(mutex_);
  return queries_;
}

void MemoryResolver::clear_queries() {
  std::lock_guard lock(mutex_);
  queries_.clear();
}

template <typename Record>
Answer<Record> MemoryResolver::lookup(std::string entry, std::string_view name, RecordType type,
                                      std::vector<Record> Node::*records) {
  std::lock_guard lock(mutex_);
  queries_.push_back(std::move(entry));
  Answer<Record> answer;
  auto it = nodes_.find(key_of(name));
  if (it == nodes_.end()) {
    answer.outcome = Outcome::kNxDomain;
    return answer;
  }
  const Node& n = it->second;
  answer.security = n.security;
  if (auto by_type = n.outcome_by_type.find(type); by_type != n.outcome_by_type.end()) {
    answer.outcome = by_type->second;
    return answer;
  }
  if (n.outcome) {
    answer.outcome = *n.outcome;
    return answer;
  }
  answer.outcome = n.has_records ? Outcome::kFound : Outcome::kNxDomain;
  answer.records = n.*records;
  return answer;
}

Answer<std::string> MemoryResolver::txt(std::string_view name) {
  return lookup("TXT " + std::string(name), name, RecordType::kTxt, &Node::txt);
}

Answer<std::string> MemoryResolver::a(std::string_view name) {
  return lookup("A " + std::string(name), name, RecordType::kA, &Node::a);
}

Answer<std::string> MemoryResolver::aaaa(std::string_view name) {
  return lookup("AAAA " + std::string(name), name, RecordType::kAaaa, &Node::aaaa);
}

Answer<MxRecord> MemoryResolver::mx(std::string_view name) {
  return lookup("MX " + std::string(name), name, RecordType::kMx, &Node::mx);
}

Answer<std::string> MemoryResolver::ptr(std::string_view address) {
  auto name = ptr_name(address);
  if (!name) {
    std::lock_guard lock(mutex_);
    queries_.push_back("PTR " + std::string(address));
    Answer<std::string> answer;
    answer.outcome = Outcome::kPermFail;
    return answer;
  }
  return lookup("PTR " + std::string(address), *name, RecordType::kPtr, &Node::ptr);
}

}  // namespace sealmail::dns::testing
