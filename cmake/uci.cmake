# cmake/uci.cmake - the UCI file reader: source, unit test, fuzzer
target_sources(sfcore PRIVATE src/uci.c)

sf_unit_test(test_uci tests/unit/test_uci.c)

if(SF_FUZZ)
  add_executable(fuzz_uci fuzz/fuzz_uci.c)
  target_link_libraries(fuzz_uci PRIVATE sfcore)
  target_link_options(fuzz_uci PRIVATE -fsanitize=fuzzer)
endif()
