# Every third-party dependency is found here, once, and exposed as an imported target.
# Which folder may use which is decided in the folders' own CMakeLists (see docs/architecture.md).
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(GTest REQUIRED)
if(SEALMAIL_BENCH)
  find_package(benchmark REQUIRED)
endif()

# C libraries through pkg-config (Debian's find_package(rnp) is broken). Each is used by its
# adapter folder only: librnp by src/pgp, GMime by src/mime, libunbound by src/dns, libopendkim
# by src/dkim, libopendmarc by src/dmarc; Botan (C++) by src/pgp and src/auth.
find_package(PkgConfig REQUIRED)
pkg_check_modules(RNP REQUIRED IMPORTED_TARGET librnp)
pkg_check_modules(BOTAN REQUIRED IMPORTED_TARGET botan-2)
pkg_check_modules(GMIME REQUIRED IMPORTED_TARGET gmime-3.0)
pkg_check_modules(UNBOUND REQUIRED IMPORTED_TARGET libunbound)  # src/dns
pkg_check_modules(OPENDKIM REQUIRED IMPORTED_TARGET opendkim)   # src/dkim
# libopendmarc ships no pkg-config file.                          # src/dmarc
find_library(OPENDMARC_LIBRARY NAMES opendmarc REQUIRED)
find_path(OPENDMARC_INCLUDE_DIR opendmarc/dmarc.h REQUIRED)
add_library(OpenDMARC::opendmarc UNKNOWN IMPORTED)
set_target_properties(OpenDMARC::opendmarc PROPERTIES
  IMPORTED_LOCATION ${OPENDMARC_LIBRARY} INTERFACE_INCLUDE_DIRECTORIES ${OPENDMARC_INCLUDE_DIR})
