# sealmail_library(NAME SOURCES ... DEPS ... [TESTS ...] [TEST_DEPS ...])
# One static library per folder, warnings as errors, and one GoogleTest binary for its
# *_test.cc files registered with CTest under the library's name.
add_library(sealmail_options INTERFACE)
target_compile_options(sealmail_options INTERFACE -Wall -Wextra -Werror)
target_include_directories(sealmail_options INTERFACE ${PROJECT_SOURCE_DIR}/src)
# Boost 1.74's Asio coroutines need <utility> before anything else includes it.
target_compile_definitions(sealmail_options INTERFACE
  BOOST_ASIO_NO_DEPRECATED BOOST_ASIO_DISABLE_CONCEPTS SPDLOG_FMT_EXTERNAL
  SEALMAIL_VERSION="${PROJECT_VERSION}")
if(SEALMAIL_SANITIZE)
  target_compile_options(sealmail_options INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  target_link_options(sealmail_options INTERFACE -fsanitize=address,undefined)
endif()

function(sealmail_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;TESTS;TEST_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_link_libraries(${name} PUBLIC sealmail_options ${ARG_DEPS})
  if(ARG_TESTS)
    add_executable(${name}_test ${ARG_TESTS})
    target_link_libraries(${name}_test PRIVATE ${name} ${ARG_TEST_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
    add_test(NAME ${name} COMMAND ${name}_test)
    set_property(GLOBAL APPEND PROPERTY SEALMAIL_UNIT_TESTS ${name}_test)
    set_tests_properties(${name} PROPERTIES LABELS unit TIMEOUT 300)
  endif()
endfunction()
