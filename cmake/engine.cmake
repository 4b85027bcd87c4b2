# cmake/engine.cmake - decision engine, simulator, trace generator, tests, fuzzer
target_sources(sfcore PRIVATE src/engine.c src/engine_params.c src/engine_score.c
                              src/engine_predict.c)
