# cmake/uci.cmake - the UCI file reader: source, unit test, fuzzer
target_sources(sfcore PRIVATE src/uci.c)

sf_unit_test(test_uci tests/unit/test_uci.c)

sf_fuzzer(uci fuzz/fuzz_uci.c)
