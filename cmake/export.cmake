# cmake/export.cmake - src/export: the exporters the daemon glues to its
# state (src/daemon_export.c): the Prometheus text exposition and its HTTP
# endpoint (SF_PROMETHEUS), MQTT with Home Assistant discovery through
# libmosquitto (SF_MQTT), notifications: hook scripts (always) and a
# webhook through libcurl (SF_WEBHOOK). The exposition writer and the
# status tables are in every build.
sf_stage(export export)
target_sources(sfexport PRIVATE src/export/prom.c src/export/export_metrics.c src/export/notify.c)
target_link_libraries(sfexport PUBLIC sfutil sftelemetry)
if(SF_PROMETHEUS)
  target_sources(sfexport PRIVATE src/export/prom_http.c)
  target_compile_definitions(sfexport PUBLIC SF_HAVE_PROMETHEUS=1)
endif()
if(SF_MQTT)
  pkg_check_modules(MOSQUITTO REQUIRED IMPORTED_TARGET libmosquitto)
  target_sources(sfexport PRIVATE src/export/mqtt.c)
  target_link_libraries(sfexport PUBLIC PkgConfig::MOSQUITTO)
  target_compile_definitions(sfexport PUBLIC SF_HAVE_MQTT=1)
endif()

if(SF_WEBHOOK)
  pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl)
  target_sources(sfexport PRIVATE src/export/webhook.c)
  target_link_libraries(sfexport PUBLIC PkgConfig::CURL)
  target_compile_definitions(sfexport PUBLIC SF_HAVE_WEBHOOK=1)
endif()

sf_unit_test(test_prom tests/unit/test_prom.c)

if(SF_TESTS AND SF_PROMETHEUS)
  add_test(NAME prometheus COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/integration/test_prometheus.py)
  set_tests_properties(prometheus PROPERTIES ENVIRONMENT "SF_BUILD=${CMAKE_BINARY_DIR}" TIMEOUT 120)
endif()
if(SF_TESTS)
  add_test(NAME notify COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/integration/test_notify.py)
  set_tests_properties(notify PROPERTIES ENVIRONMENT "SF_BUILD=${CMAKE_BINARY_DIR}" TIMEOUT 180)
endif()
if(SF_TESTS AND SF_MQTT)
  add_test(NAME mqtt COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/integration/test_mqtt.py)
  set_tests_properties(mqtt PROPERTIES ENVIRONMENT "SF_BUILD=${CMAKE_BINARY_DIR}" TIMEOUT 180)
  # a broker name whose DNS never answers, in a namespace of its own (root, nft)
  add_test(NAME mqtt_dns_netns COMMAND ${SF_ISOLATE} /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/integration/test_mqtt.py HangingDns)
  set_tests_properties(mqtt_dns_netns PROPERTIES LABELS net TIMEOUT 60
                       ENVIRONMENT "SF_BUILD=${CMAKE_BINARY_DIR};SF_NETNS_TESTS=1")
endif()
