# cmake/api.cmake - src/api: the JSON server on the unix socket; src/cli:
# starfailctl, its client (and the rpcd exec plugin).
sf_stage(api api)
target_sources(sfapi PRIVATE src/api/api.c src/api/api_request.c)
target_link_libraries(sfapi PUBLIC sfutil)

# json-c only: the one clock is compiled in rather than linking sfutil
add_executable(starfailctl src/cli/starfailctl.c src/cli/ctl_rpcd.c src/cli/ctl_explain.c
               src/cli/ctl_timeline.c src/util/clock.c)
target_include_directories(starfailctl PRIVATE ${CMAKE_SOURCE_DIR}/src/util)
target_link_libraries(starfailctl PRIVATE PkgConfig::JSONC m)

# fuzz_api with SF_FUZZ; otherwise ctest replays fuzz/corpus/api/ through it
sf_fuzzer(api fuzz/fuzz_api.c sfapi)
