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

# Lab self-tests: one scenario per ctest entry, a few seconds each, run as
# root (exit 77 = skipped otherwise). Each uses its own prefix (sflab<x>).
if(SF_TESTS)
  foreach(scenario topology loss blackhole delay rate carrier flap cleanup netsvc)
    add_test(NAME lab_${scenario}
             COMMAND ${SF_ISOLATE} /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/lab/test_lab.py ${scenario}
             WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
    set_tests_properties(lab_${scenario} PROPERTIES
      LABELS lab SKIP_RETURN_CODE 77 TIMEOUT 90
      ENVIRONMENT "SF_DELAYSHIM=$<TARGET_FILE:sf-delayshim>")
  endforeach()
endif()
