# cmake/daemon.cmake - src/: the daemon (members, the loop, the API methods)
# on top of every stage, and starfaild.
add_library(sfcore STATIC src/daemon.c src/daemon_ctl.c src/daemon_disc.c src/member.c src/api_methods.c
            src/api_metrics.c src/daemon_caps.c src/daemon_export.c src/daemon_mqtt.c src/explain.c src/api_explain.c)
target_include_directories(sfcore PUBLIC ${CMAKE_SOURCE_DIR}/src)
target_link_libraries(sfcore PUBLIC sfconfig sfapi sfexport sfcollect sfcontrol sfengine sftelemetry sfutil
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
  # admission and limits: per-uid slots, hostile clients, sizes, EMFILE
  add_test(NAME daemon_admission COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/integration/test_admission.py)
  set_tests_properties(daemon_admission PROPERTIES ENVIRONMENT "SF_BUILD=${CMAKE_BINARY_DIR}" TIMEOUT 120)
  # the same file's tests that need a network namespace of their own (root)
  add_test(NAME daemon_netns COMMAND ${SF_ISOLATE} /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/integration/test_daemon.py DaemonNetns DaemonNetnsUnpriv)
  set_tests_properties(daemon_netns PROPERTIES LABELS net TIMEOUT 60
                       ENVIRONMENT "SF_BUILD=${CMAKE_BINARY_DIR};SF_NETNS_TESTS=1")
  # explain and timeline: no decision, bad ids, rpcd (daemon_explain_api); every
  # kind of decision on stand-in uplinks in namespaces of their own, the
  # timeline SVG rendered in headless Chromium (daemon_explain, root)
  add_test(NAME daemon_explain_api COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/integration/test_explain.py
           DaemonApiExplain)
  set_tests_properties(daemon_explain_api PROPERTIES ENVIRONMENT "SF_BUILD=${CMAKE_BINARY_DIR}" TIMEOUT 60)
  add_test(NAME daemon_explain COMMAND ${SF_ISOLATE} /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/integration/test_explain.py Explain)
  set_tests_properties(daemon_explain PROPERTIES LABELS net TIMEOUT 240
                       ENVIRONMENT "SF_BUILD=${CMAKE_BINARY_DIR};SF_NETNS_TESTS=1")
  # docs/METRICS.md must show exactly the metric tables the code has (all of
  # them only when the Starlink collector is built)
  if(SF_STARLINK)
    add_test(NAME docs_metrics COMMAND sh ${CMAKE_SOURCE_DIR}/tools/gen-metrics-doc.sh ${CMAKE_BINARY_DIR} --check)
  endif()
  # the stages use only what docs/ARCHITECTURE.md allows; the engine only libc/libm
  add_test(NAME arch_deps COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tools/check-arch.py
           $<TARGET_FILE:sfutil> $<TARGET_FILE:sfengine> $<TARGET_FILE:sftelemetry> $<TARGET_FILE:sfcollect>
           $<TARGET_FILE:sfcontrol> $<TARGET_FILE:sfconfig> $<TARGET_FILE:sfapi> $<TARGET_FILE:sfexport>
           $<TARGET_FILE:sfcore>
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
endif()

# ... and that check can fail (a broken copy of the engine is refused)
if(SF_TESTS)
  add_test(NAME arch_deps_selftest
           COMMAND sh ${CMAKE_SOURCE_DIR}/tests/arch/test_check_arch.sh ${CMAKE_SOURCE_DIR}/tools/check-arch.py
                   $<TARGET_FILE:sfengine> $<TARGET_FILE:sfutil> $<TARGET_FILE:sfcore>)
endif()

# discovery in the real daemon: recorded mwan3/netifd inputs, the stand-in tests/bin/ubus
if(SF_TESTS)
  add_test(NAME daemon_discovery COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/integration/test_discovery.py)
  set_tests_properties(daemon_discovery PROPERTIES ENVIRONMENT "SF_BUILD=${CMAKE_BINARY_DIR}" TIMEOUT 120)
  # the route controller in network namespaces, the dish answering through eth1 (root)
  add_test(NAME daemon_discovery_netns COMMAND ${SF_ISOLATE} /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/integration/test_discovery.py DiscoveryNetns)
  set_tests_properties(daemon_discovery_netns PROPERTIES LABELS net TIMEOUT 60
                       ENVIRONMENT "SF_BUILD=${CMAKE_BINARY_DIR};SF_NETNS_TESTS=1")
  # the mwan3 controller end to end: real starfaild (not dry-run), the seed's config, stand-in
  # ubus/uci/hotplug-call/mwan3 (mwan3_standin); starfaild in a namespace of its own (root)
  add_test(NAME daemon_mwan3 COMMAND ${SF_ISOLATE} /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/integration/test_mwan3_daemon.py)
  set_tests_properties(daemon_mwan3 PROPERTIES LABELS net TIMEOUT 90
                       ENVIRONMENT "SF_BUILD=${CMAKE_BINARY_DIR}")
endif()

# data caps: cycle arithmetic, counter growth, options (unit); the counters
# moved by traffic between namespaces, events and the engine's gate (net, root)
sf_unit_test(test_caps tests/unit/test_caps.c)
if(SF_TESTS)
  add_test(NAME net_caps COMMAND ${SF_ISOLATE} sh ${CMAKE_SOURCE_DIR}/tests/net/test_caps.sh ${CMAKE_BINARY_DIR}
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(net_caps PROPERTIES LABELS net TIMEOUT 200 SKIP_RETURN_CODE 77)
endif()

# dual SIM of cellular members (src/daemon_sim.c, docs/CELLULAR.md); its
# integration test: stand-in sim_switch / ubus on the daemon's PATH
target_sources(sfcore PRIVATE src/daemon_sim.c)
if(SF_TESTS)
  add_test(NAME cellular_sim_daemon COMMAND ${SF_ISOLATE} /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/integration/test_cellular_sim.py)
  set_tests_properties(cellular_sim_daemon PROPERTIES LABELS net TIMEOUT 180
                       ENVIRONMENT "SF_BUILD=${CMAKE_BINARY_DIR};SF_NETNS_TESTS=1")
endif()
