# cmake/starlink.cmake - the Starlink collector: native gRPC (libnghttp2) to
# the dish, protobuf-c decoding of our minimal proto/dish.proto, its tests,
# fuzzer, bench tool and the dish emulator's descriptor set.
if(SF_STARLINK)
  pkg_check_modules(NGHTTP2 REQUIRED IMPORTED_TARGET libnghttp2)
  pkg_check_modules(PROTOBUFC REQUIRED IMPORTED_TARGET libprotobuf-c)
  find_program(PROTOC_C protoc-c REQUIRED)

  set(SL_GEN ${CMAKE_BINARY_DIR}/gen)
  file(MAKE_DIRECTORY ${SL_GEN})
  # dish.pb is the descriptor set the Python emulator builds its messages from
  add_custom_command(
    OUTPUT ${SL_GEN}/dish.pb-c.c ${SL_GEN}/dish.pb-c.h ${SL_GEN}/dish.pb
    COMMAND ${PROTOC_C} --proto_path=${CMAKE_SOURCE_DIR}/proto --c_out=${SL_GEN}
            --descriptor_set_out=${SL_GEN}/dish.pb dish.proto
    DEPENDS ${CMAKE_SOURCE_DIR}/proto/dish.proto
    COMMENT "protoc-c proto/dish.proto")
  add_custom_target(starlink_proto DEPENDS ${SL_GEN}/dish.pb-c.h ${SL_GEN}/dish.pb)

  # generated code is not held to our warning flags
  set_source_files_properties(${SL_GEN}/dish.pb-c.c PROPERTIES
    GENERATED TRUE COMPILE_OPTIONS "-Wno-missing-prototypes;-Wno-error")
  # part of the collect stage (sfcollect), in its own folder
  target_include_directories(sfcollect PUBLIC ${CMAKE_SOURCE_DIR}/src/collect/starlink)
  target_sources(sfcollect PRIVATE src/collect/starlink/starlink.c src/collect/starlink/starlink_grpc.c
                 src/collect/starlink/starlink_decode.c src/collect/starlink/starlink_pool.c
                 src/collect/starlink/starlink_metrics.c
                 ${SL_GEN}/dish.pb-c.c)
  add_dependencies(sfcollect starlink_proto)
  target_include_directories(sfcollect PUBLIC ${SL_GEN})
  target_link_libraries(sfcollect PUBLIC PkgConfig::NGHTTP2 PkgConfig::PROTOBUFC)
  target_compile_definitions(sfcollect PUBLIC SF_HAVE_STARLINK=1)

  # collector driver: runs the collector against a dish (or the emulator), prints JSON
  add_executable(sl_probe tests/starlink/sl_probe.c)
  target_link_libraries(sl_probe PRIVATE sfcore)

  # bench/starlink.sh: CPU, bytes and allocations per poll
  add_executable(sl_bench tests/starlink/sl_bench.c)
  target_link_libraries(sl_bench PRIVATE sfcore)

  sf_unit_test(test_starlink_decode tests/unit/test_starlink_decode.c)
  sf_unit_test(test_starlink_collector tests/unit/test_starlink_collector.c)
  sf_unit_test(test_starlink_pool tests/unit/test_starlink_pool.c)

  if(SF_TESTS)
    add_test(NAME test_starlink_emulator
             COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/integration/test_starlink.py
                     --probe $<TARGET_FILE:sl_probe> --descriptor ${SL_GEN}/dish.pb
             WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
    set_tests_properties(test_starlink_emulator PROPERTIES TIMEOUT 240)
    # the same assertions through the daemon's `metrics` API (starfaild --dry-run);
    # starfaild is defined later (daemon.cmake): generator expressions resolve it
    add_test(NAME test_starlink_daemon
             COMMAND /usr/bin/python3 ${CMAKE_SOURCE_DIR}/tests/integration/test_starlink.py
                     --probe $<TARGET_FILE:sl_probe> --descriptor ${SL_GEN}/dish.pb
                     --daemon $<TARGET_FILE:starfaild>
             WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
    set_tests_properties(test_starlink_daemon PROPERTIES TIMEOUT 240)
  endif()

  # fuzz_starlink with SF_FUZZ; otherwise the ctest fuzz_replay_starlink over the corpus
  sf_fuzzer(starlink fuzz/fuzz_starlink.c sfcollect)
endif()
