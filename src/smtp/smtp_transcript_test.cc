// smtp_transcript_test — golden transcripts: for every testdata/NAME.in the engine's output
// must equal testdata/NAME.ref, whether the client bytes arrive in one piece per segment or
// one byte at a time.
//
// NAME.in: one client line per file line, sent with CRLF appended. Escapes: \r \n \t \0,
// a doubled backslash, \xHH; a trailing \z suppresses the CRLF (mid-line \z separates, no-op).
// Lines starting with '#':
//   "# text"              a comment
//   "#starttls" "#tls"    SessionInfo::starttls_available / tls (before any data)
//   "#normalize"          SmtpLimits::normalize_bare_line_endings = true
//   "#limit KEY=N"        max_line_bytes max_data_line_bytes max_header_bytes
//                         max_message_bytes max_recipients max_commands_before_mail max_errors
//   "#bytes N C"          N copies of the character C, no CRLF
//   "#event tls|timeout|shutdown"   call on_tls_established / on_timeout / on_shutdown
// NAME.ref: the server's bytes with CRLF shown as a line end; "[start-tls]" and "[close]" mark
// Output::next, "[tls]", "[timeout]", "[shutdown close_now=N]" mark events. Bytes sent after
// kStartTls in the same segment are dropped (what the transport does); nothing is sent after
// kClose. SMTP_UPDATE_REFS=1 rewrites the .ref files (review the diff!).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "smtp/engine.h"
#include "smtp/test_sink.h"

namespace sealmail::smtp {
namespace {

struct Step {
  enum Kind { kBytes, kEvent } kind;
  std::string text;  // bytes, or the event name
};

struct Script {
  net::SessionInfo info;
  SmtpLimits limits;
  std::vector<Step> steps;
};

std::string unescape(std::string_view line, bool& crlf) {
  std::string out;
  crlf = true;
  for (size_t i = 0; i < line.size(); ++i) {
    if (line[i] != '\\' || i + 1 == line.size()) {
      out += line[i];
      continue;
    }
    char e = line[++i];
    switch (e) {
      case 'r':
        out += '\r';
        break;
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case '0':
        out += '\0';
        break;
      case '\\':
        out += '\\';
        break;
      case 'z':
        crlf = i + 1 < line.size();
        break;  // mid-line: a visual separator only
      case 'x':
        out += static_cast<char>(std::stoi(std::string(line.substr(i + 1, 2)), nullptr, 16));
        i += 2;
        break;
      default:
        ADD_FAILURE() << "bad escape \\" << e;
        break;
    }
  }
  return out;
}

Script parse_script(const std::string& text) {
  Script s;
  s.limits.hostname = "mx.our.test";
  s.info.peer_address = "192.0.2.1";
  s.info.peer_port = 40000;
  std::istringstream in(text);
  std::string line;
  auto add_bytes = [&](const std::string& bytes) {
    if (s.steps.empty() || s.steps.back().kind != Step::kBytes)
      s.steps.push_back({Step::kBytes, ""});
    s.steps.back().text += bytes;
  };
  while (std::getline(in, line)) {
    if (line.starts_with("# ") || line == "#") continue;
    if (line == "#starttls") {
      s.info.starttls_available = true;
      continue;
    }
    if (line == "#tls") {
      s.info.tls = true;
      continue;
    }
    if (line == "#normalize") {
      s.limits.normalize_bare_line_endings = true;
      continue;
    }
    if (line.starts_with("#limit ")) {
      std::string kv = line.substr(7);
      size_t eq = kv.find('=');
      std::string key = kv.substr(0, eq);
      size_t n = std::stoul(kv.substr(eq + 1));
      if (key == "max_line_bytes")
        s.limits.max_line_bytes = n;
      else if (key == "max_data_line_bytes")
        s.limits.max_data_line_bytes = n;
      else if (key == "max_header_bytes")
        s.limits.max_header_bytes = n;
      else if (key == "max_message_bytes")
        s.limits.max_message_bytes = n;
      else if (key == "max_recipients")
        s.limits.max_recipients = n;
      else if (key == "max_commands_before_mail")
        s.limits.max_commands_before_mail = n;
      else if (key == "max_errors")
        s.limits.max_errors = n;
      else
        ADD_FAILURE() << "unknown limit " << key;
      continue;
    }
    if (line.starts_with("#bytes ")) {
      std::istringstream words(line.substr(7));
      size_t n;
      char c;
      words >> n >> c;
      add_bytes(std::string(n, c));
      continue;
    }
    if (line.starts_with("#event ")) {
      s.steps.push_back({Step::kEvent, line.substr(7)});
      continue;
    }
    if (line.starts_with("#")) {
      ADD_FAILURE() << "unknown directive " << line;
      continue;
    }
    bool crlf;
    std::string bytes = unescape(line, crlf);
    if (crlf) bytes += "\r\n";
    add_bytes(bytes);
  }
  return s;
}

// Runs the script; `piece` = 0 feeds each bytes step whole, else in pieces of that size.
std::string run(const Script& s, size_t piece) {
  auto sink = std::make_shared<testing::TestSink>();
  SmtpEngine engine(sink, s.limits, [] {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1767323045));
  });
  std::string log;
  auto record = [&](const net::Output& out) {
    log += out.write;
    if (out.next == net::Output::Next::kStartTls) log += "[start-tls]\r\n";
    if (out.next == net::Output::Next::kClose) log += "[close]\r\n";
    return out.next;
  };
  if (record(engine.on_connect(s.info)) == net::Output::Next::kClose) return log;
  for (const Step& step : s.steps) {
    if (step.kind == Step::kEvent) {
      if (step.text == "tls") {
        log += "[tls]\r\n";
        if (record(engine.on_tls_established()) == net::Output::Next::kClose) return log;
      } else if (step.text == "timeout") {
        log += "[timeout]\r\n" + engine.on_timeout();
        return log;
      } else if (step.text == "shutdown") {
        auto r = engine.on_shutdown();
        log += "[shutdown close_now=" + std::to_string(r.close_now) + "]\r\n" + r.write;
        if (r.close_now) return log;
      } else {
        ADD_FAILURE() << "unknown event " << step.text;
      }
      continue;
    }
    std::string_view bytes = step.text;
    size_t n = piece == 0 ? bytes.size() : piece;
    for (size_t i = 0; i < bytes.size(); i += n) {
      auto next = record(engine.on_data(bytes.substr(i, n)));
      if (next == net::Output::Next::kClose) return log;
      if (next == net::Output::Next::kStartTls) break;  // the rest of the segment is dropped
    }
  }
  return log;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string to_ref(const std::string& log) {
  std::string out;
  for (size_t i = 0; i < log.size(); ++i) {
    if (log[i] == '\r' && i + 1 < log.size() && log[i + 1] == '\n') continue;
    out += log[i];
  }
  return out;
}

class TranscriptTest : public ::testing::TestWithParam<std::string> {};

TEST_P(TranscriptTest, MatchesReference) {
  std::filesystem::path dir = SEALMAIL_SMTP_TESTDATA;
  Script script = parse_script(read_file(dir / (GetParam() + ".in")));
  std::string whole = run(script, 0);
  // Every line the server writes ends in CRLF.
  for (size_t i = 0; i < whole.size(); ++i) {
    if (whole[i] == '\n') {
      ASSERT_TRUE(i > 0 && whole[i - 1] == '\r') << "bare LF in output";
    }
  }
  ASSERT_FALSE(whole.empty());
  ASSERT_TRUE(whole.ends_with("\r\n"));
  std::filesystem::path ref = dir / (GetParam() + ".ref");
  if (std::getenv("SMTP_UPDATE_REFS")) {
    std::ofstream(ref, std::ios::binary) << to_ref(whole);
  }
  EXPECT_EQ(to_ref(whole), read_file(ref)) << "whole feed";
  EXPECT_EQ(run(script, 1), whole) << "byte-at-a-time feed";
  EXPECT_EQ(run(script, 7), whole) << "7-byte pieces";
}

std::vector<std::string> transcripts() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(SEALMAIL_SMTP_TESTDATA))
    if (entry.path().extension() == ".in") names.push_back(entry.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

INSTANTIATE_TEST_SUITE_P(Golden, TranscriptTest, ::testing::ValuesIn(transcripts()),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

TEST(TranscriptCorpus, HasTranscripts) { EXPECT_GE(transcripts().size(), 40u); }

}  // namespace
}  // namespace sealmail::smtp
