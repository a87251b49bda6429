// SPDX-License-Identifier: Apache-2.0
// Benchmark driver for node's V8, run as
//   node --no-liftoff bench/v8.mjs MODULE.wasm UNITS REPS [--peer]
// so that every function is compiled by the optimizing tier (TurboFan). Same protocol as
// bench/driver.c: instantiate, call "setup" once, call "run_n"(1) once untimed (so that no
// compilation is timed), then time only the call of "run_n"(UNITS) REPS times (process.hrtime),
// and print "key value" lines: checksum, times, median, min, max, and load
// (WebAssembly.compile of the bytes).
// With --peer the module is a cross-component kernel (kernels/xcall.c): two instances, each
// with its own memory, and this script is the host between them: host.peer(ptr, size) copies
// the caller's message into the callee's inbox and returns the callee's recv(size).
import { readFileSync } from "node:fs";

function usage() {
  process.stderr.write("usage: node --no-liftoff v8.mjs MODULE.wasm UNITS REPS [--peer]\n");
  process.exit(2);
}

const [file, unitsArg, repsArg, ...rest] = process.argv.slice(2);
if (!file || !/^\d+$/.test(unitsArg ?? "") || !/^\d+$/.test(repsArg ?? "")) usage();
const units = Number(unitsArg) >>> 0;
const reps = Number(repsArg);
if (reps < 1 || reps > 100 || rest.some((a) => a !== "--peer")) usage();
const peerMode = rest.includes("--peer");

const bytes = readFileSync(file);
let t0 = process.hrtime.bigint();
const module = await WebAssembly.compile(bytes);
const load = Number(process.hrtime.bigint() - t0) / 1e9;

function refuse() {
  throw new Error("the callee has no peer");
}

let caller;
if (peerMode) {
  const callee = (await WebAssembly.instantiate(module, { host: { peer: refuse } })).exports;
  callee.setup();
  const inbox = callee.inbox() >>> 0;
  const recv = callee.recv;
  let from = null;
  const to = new Uint8Array(callee.memory.buffer);
  const peer = (ptr, size) => {
    ptr >>>= 0;
    size >>>= 0;
    if (inbox + size > to.length || ptr + size > from.length)
      throw new RangeError("message out of bounds");
    to.set(from.subarray(ptr, ptr + size), inbox);
    return recv(size);
  };
  caller = (await WebAssembly.instantiate(module, { host: { peer } })).exports;
  from = new Uint8Array(caller.memory.buffer);
} else {
  caller = (await WebAssembly.instantiate(module, {})).exports;
}
caller.setup();
// one untimed call first: V8 may compile a function when it is first called
caller.run_n(1);

const times = [];
let checksum = null;
for (let r = 0; r < reps; r++) {
  t0 = process.hrtime.bigint();
  const c = caller.run_n(units) >>> 0;
  times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  if (checksum !== null && c !== checksum) {
    process.stderr.write(`v8: checksum changed between repetitions: ${checksum} then ${c}\n`);
    process.exit(1);
  }
  checksum = c;
}
const sorted = [...times].sort((a, b) => a - b);
process.stdout.write(
  `times ${times.map((t) => t.toFixed(9)).join(",")}\nchecksum ${checksum}\n` +
    `median ${sorted[reps >> 1].toFixed(9)}\nmin ${sorted[0].toFixed(9)}\n` +
    `max ${sorted[reps - 1].toFixed(9)}\nload ${load.toFixed(9)}\n`,
);
