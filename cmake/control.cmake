# cmake/control.cmake - src/control: the controller contract and its
# backends (route, dry-run).
sf_stage(control control)
target_sources(sfcontrol PRIVATE src/control/controller.c src/control/ctl_dryrun.c src/control/ctl_route.c)
target_link_libraries(sfcontrol PUBLIC sfutil)

sf_unit_test(test_ctl_dryrun tests/unit/test_ctl_dryrun.c)
