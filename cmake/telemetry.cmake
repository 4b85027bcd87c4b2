# cmake/telemetry.cmake - src/telemetry: RAM rings of samples and events.
sf_stage(telemetry telemetry)
target_sources(sftelemetry PRIVATE src/telemetry/telemetry.c src/telemetry/events.c)

sf_unit_test(test_telemetry tests/unit/test_telemetry.c)
