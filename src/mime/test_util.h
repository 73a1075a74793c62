// test_util.h — helpers for the src/mime tests: reading the corpus in testdata/.
#pragma once

#include <string>
#include <vector>

namespace sealmail::mime::testing {

// The bytes of testdata/<name>; fails the test (ADD_FAILURE) and returns "" if unreadable.
std::string read_testdata(const std::string& name);
// Every *.eml file name in testdata/, sorted.
std::vector<std::string> testdata_files();
// LF → CRLF (existing CRLF kept).
std::string to_crlf(const std::string& text);

}  // namespace sealmail::mime::testing
