# cmake/scenario.cmake - scenario tests of the real starfaild in the network
# lab (tests/scenario/, docs/LAB.md): real daemon, real kernel routes, real
# LAN traffic. One ctest entry per scenario, label "lab"; they need root and
# exit 77 (skipped) otherwise. Each uses its own lab prefix (sfsc<name>).
# The daemon and starfailctl of this build directory are the ones tested.

if(SF_TESTS)
  foreach(scenario binding blackhole restore carrier alldown sigkill manual reconcile)
    add_test(NAME scenario_${scenario}
             COMMAND ${SF_ISOLATE} /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/scenario/test_scenario.py ${scenario}
             WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
    set_tests_properties(scenario_${scenario} PROPERTIES
      LABELS lab SKIP_RETURN_CODE 77 TIMEOUT 120
      ENVIRONMENT "SF_BUILD=${CMAKE_BINARY_DIR};SF_DELAYSHIM=$<TARGET_FILE:sf-delayshim>")
  endforeach()
endif()
