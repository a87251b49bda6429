# SPDX-License-Identifier: Apache-2.0
# Building C guests into WebAssembly components. A guest is one .c file (hand-written canonical
# ABI glue, no C library) and one .wit world: clang --target=wasm32 compiles and links it into a
# core module, then tools/component-build.mjs embeds the WIT and wraps the module into a component
# through jco's JavaScript API (tools/node_modules, installed by scripts/setup from the lock file).
#
#   tcvm_add_guest_component(NAME SOURCE file.c WIT file.wit WORLD world
#                            [STRING_ENCODING utf8|utf16|compact-utf16]
#                            [OUTPUT_DIR dir] [INCLUDE_DIRS dir...])
#
# makes target `guest_NAME` (part of `all`) producing OUTPUT_DIR/NAME.wasm (default
# ${CMAKE_BINARY_DIR}/components) and sets TCVM_GUEST_<NAME> to that path in the caller's scope.
# When clang cannot target wasm32, or node or jco is missing, TCVM_GUESTS_AVAILABLE is OFF, the
# function does nothing, and configure says why once; tests that need the components skip.

set(TCVM_GUESTS_AVAILABLE OFF)
set(TCVM_GUESTS_REASON "")
set(TCVM_JCO_DIR ${CMAKE_SOURCE_DIR}/tools)

find_program(TCVM_WASM_CLANG NAMES clang-19 clang-18 clang-17 clang-16 clang-15 clang-14 clang
             DOC "clang able to target wasm32, for the C guest components")
find_program(TCVM_NODE NAMES node nodejs DOC "node, for jco")

if(NOT TCVM_WASM_CLANG)
  set(TCVM_GUESTS_REASON "no clang found")
elseif(NOT TCVM_NODE)
  set(TCVM_GUESTS_REASON "no node found")
elseif(NOT EXISTS ${TCVM_JCO_DIR}/node_modules/@bytecodealliance/jco/package.json)
  set(TCVM_GUESTS_REASON "tools/node_modules has no jco (run scripts/setup, or npm ci in tools/)")
else()
  # Probe: can this clang compile and link a freestanding wasm32 module?
  set(probe_dir ${CMAKE_BINARY_DIR}/CMakeFiles/wasm32-probe)
  file(MAKE_DIRECTORY ${probe_dir})
  file(WRITE ${probe_dir}/probe.c
       "__attribute__((export_name(\"f\"))) int f(int x) { return x + 1; }\n")
  execute_process(
    COMMAND ${TCVM_WASM_CLANG} --target=wasm32 -O2 -nostdlib -Wl,--no-entry
            -o ${probe_dir}/probe.wasm ${probe_dir}/probe.c
    RESULT_VARIABLE probe_rc OUTPUT_QUIET ERROR_VARIABLE probe_err)
  if(probe_rc EQUAL 0)
    set(TCVM_GUESTS_AVAILABLE ON)
  else()
    string(STRIP "${probe_err}" probe_err)
    set(TCVM_GUESTS_REASON "${TCVM_WASM_CLANG} cannot build for wasm32 (needs lld/wasm-ld): ${probe_err}")
  endif()
endif()

if(TCVM_GUESTS_AVAILABLE)
  message(STATUS "C guest components: enabled (${TCVM_WASM_CLANG}, ${TCVM_NODE}, jco in tools/)")
else()
  message(STATUS "C guest components: SKIPPED, ${TCVM_GUESTS_REASON}; "
                 "the tests that need them will be skipped")
endif()

function(tcvm_add_guest_component name)
  cmake_parse_arguments(G "" "SOURCE;WIT;WORLD;OUTPUT_DIR;STRING_ENCODING" "INCLUDE_DIRS" ${ARGN})
  if(NOT G_STRING_ENCODING)
    set(G_STRING_ENCODING utf8)
  endif()
  if(NOT G_SOURCE OR NOT G_WIT OR NOT G_WORLD)
    message(FATAL_ERROR "tcvm_add_guest_component(${name}): SOURCE, WIT and WORLD are required")
  endif()
  if(NOT TCVM_GUESTS_AVAILABLE)
    return()
  endif()
  if(NOT G_OUTPUT_DIR)
    set(G_OUTPUT_DIR ${CMAKE_BINARY_DIR}/components)
  endif()
  get_filename_component(src ${G_SOURCE} ABSOLUTE)
  get_filename_component(wit ${G_WIT} ABSOLUTE)
  get_filename_component(src_dir ${src} DIRECTORY)
  set(includes -I${src_dir})
  foreach(dir ${G_INCLUDE_DIRS})
    get_filename_component(dir ${dir} ABSOLUTE)
    list(APPEND includes -I${dir})
  endforeach()
  set(core ${G_OUTPUT_DIR}/${name}.core.wasm)
  set(out ${G_OUTPUT_DIR}/${name}.wasm)
  file(MAKE_DIRECTORY ${G_OUTPUT_DIR})
  add_custom_command(
    OUTPUT ${core}
    COMMAND ${TCVM_WASM_CLANG} --target=wasm32 -O2 -nostdlib -ffreestanding
            -fno-builtin -Wall -Wextra -Wl,--no-entry -Wl,--strip-debug
            ${includes} -MD -MF ${core}.d -o ${core} ${src}
    DEPENDS ${src}
    DEPFILE ${core}.d
    COMMENT "guest ${name}: clang --target=wasm32"
    VERBATIM)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${TCVM_NODE} ${TCVM_JCO_DIR}/component-build.mjs ${core} ${wit} ${G_WORLD} ${out}
            ${G_STRING_ENCODING}
    DEPENDS ${core} ${wit} ${TCVM_JCO_DIR}/component-build.mjs
    COMMENT "guest ${name}: jco embed + new (world ${G_WORLD}, strings ${G_STRING_ENCODING})"
    VERBATIM)
  add_custom_target(guest_${name} ALL DEPENDS ${out})
  set(TCVM_GUEST_${name} ${out} PARENT_SCOPE)
endfunction()
