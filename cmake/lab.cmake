# cmake/lab.cmake - the network lab (tests/lab/): the delay shim that stands in
# for netem, its unit test, and the lab's self-tests (ctest label "lab"; they
# need root and skip with exit code 77 otherwise). The lab itself is Python
# (Debian's /usr/bin/python3, standard library only); see docs/LAB.md.

# Test-only tool, not installed; built by default because the demo and the
# benchmarks use it too.
add_executable(sf-delayshim tests/lab/delayshim.c tests/lab/delayq.c)
target_include_directories(sf-delayshim PRIVATE ${EV_INCLUDE_DIR} ${CMAKE_SOURCE_DIR}/tests/lab)
target_link_libraries(sf-delayshim PRIVATE ${EV_LIBRARY})

sf_unit_test(test_delayq tests/lab/test_delayq.c tests/lab/delayq.c)
if(SF_TESTS)
  target_include_directories(test_delayq PRIVATE ${CMAKE_SOURCE_DIR}/tests/lab)
endif()
