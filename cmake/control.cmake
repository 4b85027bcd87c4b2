# cmake/control.cmake - src/control: the controller contract and its
# backends (route, dry-run).
sf_stage(control control)
target_sources(sfcontrol PRIVATE src/control/controller.c src/control/ctl_dryrun.c src/control/ctl_route.c
  src/control/ctl_route_watch.c src/control/ctl_mwan3.c src/control/ctl_mwan3_parse.c src/control/conntrack.c)
target_link_libraries(sfcontrol PUBLIC sfutil)

sf_unit_test(test_ctl_dryrun tests/unit/test_ctl_dryrun.c)

# the mwan3 controller against stand-in ubus/uci/hotplug-call/mwan3 (tests/unit/mwan3_standin.c)
if(SF_TESTS)
  add_executable(mwan3_standin tests/unit/mwan3_standin.c)
  sf_unit_test(test_ctl_mwan3 tests/unit/test_ctl_mwan3.c)
  target_compile_definitions(test_ctl_mwan3 PRIVATE STANDIN="$<TARGET_FILE:mwan3_standin>")
  add_dependencies(test_ctl_mwan3 mwan3_standin)
  set_tests_properties(test_ctl_mwan3 PROPERTIES TIMEOUT 300)
endif()

# Reconciliation against the real kernel (network namespaces, root): what
# others remove is put back. sfnet_drv is defined in cmake/collect.cmake.
if(SF_TESTS)
  add_test(NAME net_ctl_reconcile COMMAND ${SF_ISOLATE} sh ${CMAKE_SOURCE_DIR}/tests/net/test_ctl_reconcile.sh $<TARGET_FILE:sfnet_drv>
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(net_ctl_reconcile PROPERTIES LABELS net SKIP_RETURN_CODE 77 TIMEOUT 60)
  # flows: conntrack + nftables NAT in the router namespace (tests/net/test_flows.sh)
  add_executable(sfct_drv tests/net/sfct_drv.c)
  target_link_libraries(sfct_drv PRIVATE sfcore)
  add_test(NAME net_flows COMMAND ${SF_ISOLATE} sh ${CMAKE_SOURCE_DIR}/tests/net/test_flows.sh $<TARGET_FILE:sfct_drv>
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(net_flows PROPERTIES LABELS net SKIP_RETURN_CODE 77 TIMEOUT 90)
  # the same through the real starfaild and the route controller (sfct_drv beside starfaild)
  add_test(NAME net_flows_daemon COMMAND ${SF_ISOLATE} sh ${CMAKE_SOURCE_DIR}/tests/net/test_flows_daemon.sh
           $<TARGET_FILE:starfaild> $<TARGET_FILE:starfailctl> WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
  set_tests_properties(net_flows_daemon PROPERTIES LABELS net SKIP_RETURN_CODE 77 TIMEOUT 120)
endif()
