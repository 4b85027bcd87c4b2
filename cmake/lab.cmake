# cmake/lab.cmake - sources, tests and tools of this subsystem (filled in by its issue)
