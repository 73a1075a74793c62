#include "mime/test_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sealmail::mime::testing {

std::string read_testdata(const std::string& name) {
  std::ifstream in(std::string(SEALMAIL_MIME_TESTDATA) + "/" + name, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read testdata/" << name;
    return {};
  }
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::string> testdata_files() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(SEALMAIL_MIME_TESTDATA))
    if (entry.path().extension() == ".eml") names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string to_crlf(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out.push_back('\r');
    out.push_back(text[i]);
  }
  return out;
}

}  // namespace sealmail::mime::testing
