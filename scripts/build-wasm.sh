#!/usr/bin/env bash
# Compiles netgrow's SIMD kernels (src/backend/assembly/kernels.ts, AssemblyScript) into the two modules
# src/backend/simd.ts loads (next to the source): one for tfjs's single-threaded wasm build (its memory is plain)
# and one for the threaded build (shared memory, 4 GiB maximum as Emscripten declares it).
# The outputs are committed; tests/backend/simd-kernels.test.ts checks they match this source.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-src/backend/assembly}"
common=(src/backend/assembly/kernels.ts -O3 --runtime stub --importMemory --noExportMemory --noAssert --enable simd)
npx asc "${common[@]}" -o "$out/netgrow-kernels.wasm"
npx asc "${common[@]}" --enable threads --sharedMemory --maximumMemory 65536 -o "$out/netgrow-kernels-shared.wasm"
