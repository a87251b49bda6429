// SPDX-License-Identifier: Apache-2.0
// Turns a core wasm module into a WebAssembly component: embeds the WIT world (as the
// component-type custom section) and wraps the module into a component, both through jco's
// JavaScript API. The WIT is passed as text because jco's command-line `embed` cannot open files
// from its sandboxed WASI shim.
// Usage: node component-build.mjs CORE.wasm WORLD.wit WORLD OUT.wasm [utf8|utf16|compact-utf16]
// (the string encoding of the guest's canonical options; utf8 by default)
import { readFile, writeFile } from 'node:fs/promises';
import { componentEmbed, componentNew } from '@bytecodealliance/jco';

const [core, wit, world, out, encoding = 'utf8'] = process.argv.slice(2);
if (!out || !['utf8', 'utf16', 'compact-utf16'].includes(encoding)) {
  console.error('usage: component-build.mjs CORE.wasm WORLD.wit WORLD OUT.wasm [utf8|utf16|compact-utf16]');
  process.exit(2);
}
try {
  const embedded = await componentEmbed({
    binary: new Uint8Array(await readFile(core)),
    witSource: await readFile(wit, 'utf8'),
    world,
    stringEncoding: encoding,
  });
  const component = await componentNew(embedded);
  await writeFile(out, component);
} catch (e) {
  console.error(`component-build: ${core} with world "${world}" of ${wit}: ${e?.message ?? e}`);
  process.exit(1);
}
