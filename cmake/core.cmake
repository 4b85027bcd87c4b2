# cmake/core.cmake - logging, config, daemon, API, CLI
target_sources(sfcore PRIVATE src/log.c src/text.c src/cfgtab.c src/config.c src/member.c src/daemon.c
                              src/telemetry.c src/api.c src/api_methods.c)

add_executable(starfaild src/main.c)
target_link_libraries(starfaild PRIVATE sfcore)

add_executable(starfailctl src/starfailctl.c)
target_link_libraries(starfailctl PRIVATE PkgConfig::JSONC)

sf_unit_test(test_config tests/unit/test_config.c)
sf_unit_test(test_telemetry tests/unit/test_telemetry.c)
sf_unit_test(test_text tests/unit/test_text.c)

# The real daemon over its real socket (Debian's python3, standard library only).
if(SF_TESTS)
  add_test(NAME daemon_api COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/integration/test_daemon.py)
  set_tests_properties(daemon_api PROPERTIES ENVIRONMENT "SF_BUILD=${CMAKE_BINARY_DIR}" TIMEOUT 120)
endif()

# docs/CONFIGURATION.md must list exactly the options the code knows.
if(SF_TESTS)
  add_test(NAME docs_config COMMAND sh ${CMAKE_SOURCE_DIR}/tools/gen-config-doc.sh ${CMAKE_BINARY_DIR} --check)
endif()

sf_fuzzer(config fuzz/fuzz_config.c)
