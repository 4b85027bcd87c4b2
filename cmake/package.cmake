# cmake/package.cmake - the OpenWrt package (package/openwrt/): its scripts
# run with stand-ins for procd, uci and logger, the rpcd plugin run as rpcd
# runs it, both against the real starfaild; shellcheck over the shell code.
if(SF_TESTS)
  add_test(NAME pkg_rpcd COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/pkg/test_rpcd.py)
  add_test(NAME pkg_scripts COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/pkg/test_scripts.py)
  set_tests_properties(pkg_rpcd pkg_scripts PROPERTIES ENVIRONMENT "SF_BUILD=${CMAKE_BINARY_DIR}" TIMEOUT 120)
  # POSIX sh as busybox ash runs it (shellcheck has no ash dialect)
  add_test(NAME pkg_shellcheck
           COMMAND shellcheck -s sh package/openwrt/files/starfail.init package/openwrt/files/starfail.hotplug
                   package/openwrt/files/starfail.uci-defaults tests/pkg/stubs/rc.common tests/pkg/stubs/logger
                   tools/cross.sh tools/deps.sh bench/size.sh
           WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
endif()
