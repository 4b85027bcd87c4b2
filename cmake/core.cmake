# cmake/core.cmake - logging, config, daemon, API, CLI
target_sources(sfcore PRIVATE src/log.c src/cfgtab.c src/config.c src/api.c src/daemon.c src/api_methods.c)

add_executable(starfaild src/main.c)
target_link_libraries(starfaild PRIVATE sfcore)

add_executable(starfailctl src/starfailctl.c)
target_link_libraries(starfailctl PRIVATE PkgConfig::JSONC)
