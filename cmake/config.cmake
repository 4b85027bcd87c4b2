# cmake/config.cmake - src/config: our UCI reader and the config model that
# maps every stage's option table onto UCI sections.
sf_stage(config config)
target_sources(sfconfig PRIVATE src/config/uci.c src/config/config.c src/config/mwan3cfg.c
  src/config/discover.c src/config/config_export.c)
target_link_libraries(sfconfig PUBLIC sfutil sfengine sfcollect sfcontrol sftelemetry)

sf_unit_test(test_uci tests/unit/test_uci.c)
sf_unit_test(test_config tests/unit/test_config.c)

# docs/CONFIGURATION.md must list exactly the options the code knows.
if(SF_TESTS)
  add_test(NAME docs_config COMMAND sh ${CMAKE_SOURCE_DIR}/tools/gen-config-doc.sh ${CMAKE_BINARY_DIR} --check)
endif()

sf_fuzzer(uci fuzz/fuzz_uci.c)
sf_fuzzer(config fuzz/fuzz_config.c)

# mwan3's config and the merge of discovery (recorded configs and dumps)
sf_unit_test(test_mwan3cfg tests/unit/test_mwan3cfg.c)
sf_unit_test(test_discover tests/unit/test_discover.c)
sf_fuzzer(mwan3 fuzz/fuzz_mwan3.c)
