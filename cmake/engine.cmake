# cmake/engine.cmake - decision engine, simulator, trace generator, tests, fuzzer
# The engine links libc and libm only (checked by the arch_deps test).
sf_stage(engine engine)
target_sources(sfengine PRIVATE src/engine/engine.c src/engine/engine_params.c src/engine/engine_score.c
                                src/engine/engine_predict.c src/engine/engine_metrics.c src/engine/engine_info.c
                                src/engine/engine_latency.c)
target_link_libraries(sfengine PUBLIC ${M_LIBRARY})

# Simulator: trace reader, policies (engine + baselines), run/score core.
add_library(sfsim STATIC sim/trace.c sim/baseline.c sim/policy_starfail.c sim/simrun.c)
target_include_directories(sfsim PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/sim)
target_link_libraries(sfsim PUBLIC sfengine)

add_executable(starfail-sim sim/main.c)
target_link_libraries(starfail-sim PRIVATE sfsim)
add_executable(starfail-tracegen sim/tracegen.c sim/scenarios.c sim/scenarios_cell.c)
target_link_libraries(starfail-tracegen PRIVATE sfsim sfcollect)

sf_unit_test(test_engine tests/unit/test_engine.c)
sf_unit_test(test_engine_predict tests/unit/test_engine_predict.c)
sf_unit_test(test_engine_evidence tests/unit/test_engine_evidence.c)
sf_unit_test(test_engine_caps tests/unit/test_engine_caps.c)
sf_unit_test(test_sim tests/unit/test_sim.c)
if(SF_TESTS)
  target_link_libraries(test_sim PRIVATE sfsim)
  # The seeded corpus must meet its goals; the 24 h healthy traces (about 1 s
  # here, 10 s under ASan) only in normal builds, the 1 h ones always.
  if(SF_SANITIZE)
    set(SF_CORPUS_LONG "")
  else()
    set(SF_CORPUS_LONG "--long")
  endif()
  add_test(NAME sim_corpus
           COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/sim/check_corpus.sh ${CMAKE_BINARY_DIR} ${SF_CORPUS_LONG}
           WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR})
  # The healthy traces over the probing grid (1-3 targets, 0.5-2 s rounds):
  # 1 h x 5 seeds plus 24 h at the daemon's defaults (~20 s); one seed of
  # the 1 h grid under the sanitizers. The 24 h grid: bench/engine.sh --grid.
  if(SF_SANITIZE)
    set(SF_GRID_ARGS --seeds 1)
  else()
    set(SF_GRID_ARGS --default-long)
  endif()
  add_test(NAME sim_grid
           COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/sim/grid.sh ${CMAKE_BINARY_DIR} ${SF_GRID_ARGS}
           WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR})
endif()

# libFuzzer harness of the trace reader (and the engine behind it); without
# SF_FUZZ a ctest replays fuzz/corpus/trace/ through it.
sf_fuzzer(trace fuzz/fuzz_trace.c sfsim)
