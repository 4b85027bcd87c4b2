# cmake/luci.cmake - luci-app-starfail (package/luci-app-starfail/): eslint
# over its views with LuCI's globals (unit; npm ci of the pinned eslint into
# the build dir), and the views in Debian's headless Chromium with LuCI's
# real client framework against the real starfaild and rpcd plugin in a
# network-namespace lab (net, root; skipped without luci-base or chromium).
if(SF_TESTS AND NOT CMAKE_CROSSCOMPILING)
  add_test(NAME luci_lint COMMAND sh ${CMAKE_SOURCE_DIR}/tests/luci/lint.sh ${CMAKE_BINARY_DIR})
  set_tests_properties(luci_lint PROPERTIES LABELS unit TIMEOUT 300)
  add_test(NAME luci_browser COMMAND ${SF_ISOLATE} /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/luci/test_luci.py)
  set_tests_properties(luci_browser PROPERTIES LABELS net TIMEOUT 120 SKIP_RETURN_CODE 77
                       ENVIRONMENT "SF_BUILD=${CMAKE_BINARY_DIR}")
endif()
