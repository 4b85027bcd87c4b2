# cmake/net.cmake - per-uplink probes, link monitor, controllers (route, dry-run)
target_sources(sfcore PRIVATE
  src/probe_wire.c src/probe_stats.c src/probe_cfg.c src/probe.c
  src/linkmon.c
  src/ctl_dryrun.c src/ctl_route.c)
