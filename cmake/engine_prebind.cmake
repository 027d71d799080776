# Pre-binding of libnode for the engine module (tools/elf_prebind.py).
#
# libnode.so.108 is linked without -Bsymbolic: a dlopen() of it spends most of its time looking up
# symbols libnode itself defines. The tool rewrites those relocations of a copy, for the load set of
# one executable and the engine module it dlopen()s, into ${CMAKE_BINARY_DIR}/lib, where the
# module's RUNPATH looks first ($ORIGIN/../lib); a module copied elsewhere without it falls back to
# the original libnode further down its RUNPATH.
#
# The load set includes the executable's own dynamic exports (which interpose on libnode's), so the
# copy is made after the executable links, and the executable relinks whenever the module, the
# tool or libnode changes. Sanitizer builds need nothing different: the tool reads their load set
# (the sanitizer runtimes included) from the binaries themselves.

# Writes the pre-bound libnode for `executable`, which dlopen()s the engine module `module`.
function(se_prebind_libnode_for executable module)
  set(tool ${PROJECT_SOURCE_DIR}/tools/elf_prebind.py)
  set(libnode ${SE_LIBNODE_ROOT}/lib/x86_64-linux-gnu/libnode.so.108)
  set(prebound ${CMAKE_BINARY_DIR}/lib/libnode.so.108)
  add_custom_command(
    TARGET ${executable} POST_BUILD
    COMMAND ${Python3_EXECUTABLE} ${tool} --input ${libnode} --output ${prebound}
            --load-root $<TARGET_FILE:${executable}> --load-root $<TARGET_FILE:${module}>
    BYPRODUCTS ${prebound}
    COMMENT "Pre-binding libnode's references to itself for ${executable}"
    VERBATIM)
  set_property(TARGET ${executable} APPEND PROPERTY LINK_DEPENDS $<TARGET_FILE:${module}> ${tool} ${libnode})
endfunction()
