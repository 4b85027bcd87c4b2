# cmake/collect.cmake - src/collect: the collector registry, per-uplink probes
# and the link monitor.
sf_stage(collect collect)
target_sources(sfcollect PRIVATE
  src/collect/probe_wire.c src/collect/probe_stats.c src/collect/probe_cfg.c src/collect/probe.c
  src/collect/linkmon.c src/collect/probe_collector.c src/collect/registry.c src/collect/probe_metrics.c
  src/collect/netifd.c src/collect/classify.c src/collect/probe_sock.c src/collect/probe_rand.c
  src/collect/probe_boost.c src/collect/probe_passive.c)
target_link_libraries(sfcollect PUBLIC sfutil ${M_LIBRARY})

# Network-namespace tests (root): real ICMP/TCP/DNS through veth pairs,
# real kernel routes. Exit code 77 = skipped (not root, no netns support).
add_executable(sfnet_drv tests/net/sfnet_drv.c)
target_link_libraries(sfnet_drv PRIVATE sfcollect sfcontrol)

sf_unit_test(test_probe_wire tests/unit/test_probe_wire.c)
sf_unit_test(test_probe_stats tests/unit/test_probe_stats.c)
sf_unit_test(test_probe_cfg tests/unit/test_probe_cfg.c)
sf_unit_test(test_probe_boost tests/unit/test_probe_boost.c)
sf_unit_test(test_probe_lo tests/unit/test_probe_lo.c)
sf_unit_test(test_probe_rand tests/unit/test_probe_rand.c)
sf_unit_test(test_probe_sock tests/unit/test_probe_sock.c)
sf_unit_test(test_collector tests/unit/test_collector.c)
sf_unit_test(test_member_fault tests/unit/test_member_fault.c)
foreach(t probe probe_isolation linkmon ctl_route failover)
  add_test(NAME net_${t} COMMAND ${SF_ISOLATE} sh ${CMAKE_SOURCE_DIR}/tests/net/test_${t}.sh $<TARGET_FILE:sfnet_drv>
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(net_${t} PROPERTIES LABELS net SKIP_RETURN_CODE 77 TIMEOUT 60)
endforeach()

# fuzz_probe with SF_FUZZ; otherwise ctest replays fuzz/corpus/probe/ through it
sf_fuzzer(probe fuzz/fuzz_probe.c sfcollect)
# fuzz_linkmon: rtnetlink dump replies into linkmon_feed (corpus: tools/gen-linkmon-seeds.py)
sf_fuzzer(linkmon fuzz/fuzz_linkmon.c sfcollect)

if(SF_TESTS)
  add_test(NAME net_probe_unpriv COMMAND ${SF_ISOLATE} sh ${CMAKE_SOURCE_DIR}/tests/net/test_probe_unpriv.sh $<TARGET_FILE:test_probe_lo>
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(net_probe_unpriv PROPERTIES LABELS net SKIP_RETURN_CODE 77 TIMEOUT 60)
endif()

# netifd's dump (recorded dumps, the stand-in tests/bin/ubus) and the dish check
sf_unit_test(test_netifd tests/unit/test_netifd.c)
# fuzz_netifd with SF_FUZZ; otherwise ctest replays fuzz/corpus/netifd/ through it
sf_fuzzer(netifd fuzz/fuzz_netifd.c sfcollect)
# The cellular collector (src/collect/cellular/, part of sfcollect): parsers
# of uqmi / mmcli / gsmctl / ubus / AT output, the provider runner, its tests
# and fuzzer (docs/CELLULAR.md).
target_include_directories(sfcollect PUBLIC ${CMAKE_SOURCE_DIR}/src/collect/cellular)
target_sources(sfcollect PRIVATE src/collect/cellular/cell_parse.c src/collect/cellular/cell_parse_json.c
               src/collect/cellular/cell_parse_text.c src/collect/cellular/cell_parse_at.c
               src/collect/cellular/cellular.c src/collect/cellular/cellular_metrics.c
               src/collect/provider.c
               src/collect/cellular/cell_at_session.c src/collect/cellular/cell_at.c)
sf_unit_test(test_provider tests/unit/test_provider.c)
sf_unit_test(test_cell_parse tests/unit/test_cell_parse.c)
sf_unit_test(test_cellular_collector tests/unit/test_cellular_collector.c)
sf_unit_test(test_cell_at_session tests/unit/test_cell_at_session.c)
if(SF_TESTS)
  set_tests_properties(test_cell_parse PROPERTIES ENVIRONMENT "SF_CELL_DATA=${CMAKE_SOURCE_DIR}/tests/data/cellular")
  set_tests_properties(test_cell_at_session PROPERTIES ENVIRONMENT "SF_CELL_DATA=${CMAKE_SOURCE_DIR}/tests/data/cellular")
endif()
sf_fuzzer(cell fuzz/fuzz_cell.c sfcollect)
# fuzz_at_session: the AT answer framing over a whole round (cell_at_session.c)
sf_fuzzer(at_session fuzz/fuzz_at_session.c sfcollect)
if(SF_TESTS)
  # stand-in modem tools on the daemon's PATH; starfaild comes from daemon.cmake
  add_test(NAME cellular_daemon COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/integration/test_cellular.py)
  set_tests_properties(cellular_daemon PROPERTIES TIMEOUT 120 ENVIRONMENT "SF_BUILD=${CMAKE_BINARY_DIR}")
  # the AT provider end to end: a stand-in modem on a pty (tests/integration/at_modem.py)
  add_test(NAME cellular_at_daemon COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/integration/test_cellular_at.py)
  set_tests_properties(cellular_at_daemon PROPERTIES TIMEOUT 120 ENVIRONMENT "SF_BUILD=${CMAKE_BINARY_DIR}")
endif()

# dual SIM: the switch decision (pure, unit-tested with a fake clock)
target_sources(sfcollect PRIVATE src/collect/cellular/cell_sim.c)
sf_unit_test(test_cell_sim tests/unit/test_cell_sim.c)
# the engine's radio floor with the figures the collector makes of recorded output
sf_unit_test(test_cell_floor tests/unit/test_cell_floor.c)
# The Wi-Fi collector (src/collect/wifi/, part of sfcollect): nl80211 over
# util/nl, `ubus call iwinfo info` through util/proc; pure parsers, tests on
# constructed nl80211 messages and recorded iwinfo output, fuzzer (docs/WIFI.md).
target_include_directories(sfcollect PUBLIC ${CMAKE_SOURCE_DIR}/src/collect/wifi)
target_sources(sfcollect PRIVATE src/collect/wifi/wifi_parse.c src/collect/wifi/wifi.c
               src/collect/wifi/wifi_metrics.c)
sf_unit_test(test_wifi_parse tests/unit/test_wifi_parse.c)
sf_unit_test(test_wifi_collector tests/unit/test_wifi_collector.c)
if(SF_TESTS)
  set_tests_properties(test_wifi_parse test_wifi_collector PROPERTIES
                       ENVIRONMENT "SF_WIFI_DATA=${CMAKE_SOURCE_DIR}/tests/data/wifi")
endif()
sf_fuzzer(wifi fuzz/fuzz_wifi.c sfcollect)
if(SF_TESTS)
  # a wifi member on a veth in a namespace of its own (no nl80211 there), a
  # stand-in `ubus` on the daemon's PATH; starfaild comes from daemon.cmake
  add_test(NAME wifi_daemon COMMAND ${SF_ISOLATE} /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/integration/test_wifi.py)
  set_tests_properties(wifi_daemon PROPERTIES LABELS net TIMEOUT 120
                       ENVIRONMENT "SF_BUILD=${CMAKE_BINARY_DIR}")
endif()
