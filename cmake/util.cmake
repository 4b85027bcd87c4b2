# cmake/util.cmake - src/util: logging, outside text, typed option tables,
# clock, child processes, netlink. Used by every stage but the engine.
sf_stage(util util)
target_sources(sfutil PRIVATE src/util/log.c src/util/text.c src/util/cfgtab.c src/util/clock.c
                              src/util/proc.c src/util/proc_spawn.c src/util/nl.c
                              src/util/metric.c src/util/sysfs.c)
target_include_directories(sfutil PUBLIC ${EV_INCLUDE_DIR})
target_link_libraries(sfutil PUBLIC PkgConfig::JSONC PkgConfig::MNL ${EV_LIBRARY})

sf_unit_test(test_text tests/unit/test_text.c)
sf_unit_test(test_clock tests/unit/test_clock.c)
sf_unit_test(test_proc tests/unit/test_proc.c)
sf_unit_test(test_log tests/unit/test_log.c)
sf_unit_test(test_nl tests/unit/test_nl.c)
sf_fuzzer(nl fuzz/fuzz_nl.c sfutil)
sf_unit_test(test_metric tests/unit/test_metric.c)
sf_unit_test(test_sysfs tests/unit/test_sysfs.c)
