# cmake/daemon.cmake - src/: the daemon (members, the loop, the API methods)
# on top of every stage, and starfaild.
add_library(sfcore STATIC src/daemon.c src/daemon_ctl.c src/member.c src/api_methods.c
            src/api_metrics.c)
target_include_directories(sfcore PUBLIC ${CMAKE_SOURCE_DIR}/src)
target_link_libraries(sfcore PUBLIC sfconfig sfapi sfcollect sfcontrol sfengine sftelemetry sfutil
                      ${M_LIBRARY})

add_executable(starfaild src/main.c)
target_link_libraries(starfaild PRIVATE sfcore)

# prints the metric tables of docs/METRICS.md (tools/gen-metrics-doc.sh)
add_executable(sf-metrics-doc tools/metrics_doc.c)
target_link_libraries(sf-metrics-doc PRIVATE sfcore)

# The real daemon over its real socket (Debian's python3, standard library only).
if(SF_TESTS)
  add_test(NAME daemon_api COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/integration/test_daemon.py)
  set_tests_properties(daemon_api PROPERTIES ENVIRONMENT "SF_BUILD=${CMAKE_BINARY_DIR}" TIMEOUT 120)
  # docs/METRICS.md must show exactly the metric tables the code has (all of
  # them only when the Starlink collector is built)
  if(SF_STARLINK)
    add_test(NAME docs_metrics COMMAND sh ${CMAKE_SOURCE_DIR}/tools/gen-metrics-doc.sh ${CMAKE_BINARY_DIR} --check)
  endif()
  # the stages use only what docs/ARCHITECTURE.md allows; the engine only libc/libm
  add_test(NAME arch_deps COMMAND sh ${CMAKE_SOURCE_DIR}/tools/check-arch.sh ${CMAKE_BINARY_DIR}
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
endif()
