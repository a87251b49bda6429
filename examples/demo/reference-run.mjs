// SPDX-License-Identifier: Apache-2.0
// A second implementation of the demo's job, for checking: the same components run under jco
// (transpiled to JavaScript, node's WebAssembly engine), with the tcvm:host interfaces and the
// manifest's channels written here in JavaScript. It writes the outputs the job would seal
// (scores-a, scores-b, aggregate-stats) as plain files, so that they can be compared with what
// 2cvm's runtime produces from the same inputs. Only the demo's agreement is wired here.
// Usage: node reference-run.mjs COMPONENT_DIR DATA_DIR OUT_DIR   (DATA_DIR as `2cvm demo --keep`)
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
const jco = path.join(here, '../../tools/node_modules/@bytecodealliance/jco/dist/api.js');
const { transpile } = await import(jco);
const [componentDir, dataDir, outDir] = process.argv.slice(2);
if (!outDir) {
  console.error('usage: reference-run.mjs COMPONENT_DIR DATA_DIR OUT_DIR');
  process.exit(2);
}

const inputs = {
  'records-a': { file: 'records-a.csv', readers: ['prepare-a'] },
  'records-b': { file: 'records-b.csv', readers: ['prepare-b'] },
  'model-weights': { file: 'model-weights.txt', readers: ['risk-model'] },
};
const writers = { 'scores-a': 'prepare-a', 'scores-b': 'prepare-b', 'aggregate-stats': 'aggregate' };
for (const [id, inp] of Object.entries(inputs)) inp.data = new Uint8Array(await readFile(path.join(dataDir, inp.file)));
const outputs = {};
const logs = [];
const calls = {};

// The tcvm:host interfaces for one component, checked as the runtime checks them.
function host(component) {
  const refuse = (msg) => { throw new Error(`refused: ${component}: ${msg}`); };
  return {
    'tcvm:host/inputs': {
      ids: () => Object.keys(inputs).filter((id) => inputs[id].readers.includes(component)),
      size: (id) => (inputs[id]?.readers.includes(component) ? BigInt(inputs[id].data.length) : refuse(`may not read ${id}`)),
      read: (id, offset, len) => {
        if (!inputs[id]?.readers.includes(component)) refuse(`may not read ${id}`);
        const off = Number(offset);
        return inputs[id].data.slice(off, Math.min(off + len, inputs[id].data.length));
      },
    },
    'tcvm:host/outputs': {
      write: (id, data) => {
        if (writers[id] !== component) refuse(`may not write ${id}`);
        outputs[id] = Buffer.concat([outputs[id] ?? Buffer.alloc(0), Buffer.from(data)]);
      },
    },
    'tcvm:host/log': { log: (msg) => logs.push(`${component}: ${msg}`) },
  };
}

async function instantiate(file, component, extra) {
  const bytes = await readFile(path.join(componentDir, file));
  const name = component.replace(/-/g, '_');
  const { files } = await transpile(bytes, { name, instantiation: { tag: 'async' }, noTypescript: true });
  const dir = path.join(outDir, '.jco', name);
  await mkdir(dir, { recursive: true });
  for (const [f, data] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, f)), { recursive: true });
    await writeFile(path.join(dir, f), data);
  }
  const mod = await import(path.join(dir, `${name}.js`));
  return mod.instantiate((p) => WebAssembly.compile(files[p]), { ...host(component), ...extra });
}

// A channel: forwards the callee's interface, counting calls.
function channel(from, to, iface, exportsOfCallee) {
  const key = `${from} -> ${to} (${iface})`;
  calls[key] = 0;
  const out = {};
  for (const [fn, f] of Object.entries(exportsOfCallee)) out[fn] = (...args) => { calls[key]++; return f(...args); };
  return out;
}

await mkdir(outDir, { recursive: true });
const model = await instantiate('demo_risk_model.wasm', 'risk-model', {});
const prepA = await instantiate('demo_prepare_a.wasm', 'prepare-a', {
  'tcvm:demo/risk-model': channel('prepare-a', 'risk-model', 'tcvm:demo/risk-model', model.riskModel),
});
const prepB = await instantiate('demo_prepare_b.wasm', 'prepare-b', {
  'tcvm:demo/risk-model': channel('prepare-b', 'risk-model', 'tcvm:demo/risk-model', model.riskModel),
});
const agg = await instantiate('demo_aggregate.wasm', 'aggregate', {
  'tcvm:demo/hospital-a': channel('aggregate', 'prepare-a', 'tcvm:demo/hospital-a', prepA.hospitalA),
  'tcvm:demo/hospital-b': channel('aggregate', 'prepare-b', 'tcvm:demo/hospital-b', prepB.hospitalB),
});
agg.run();
for (const [id, data] of Object.entries(outputs)) await writeFile(path.join(outDir, id), data);
for (const [k, n] of Object.entries(calls)) console.log(`channel ${k}: ${n} calls`);
for (const l of logs) console.log(`log ${l}`);
for (const id of Object.keys(outputs)) console.log(`output ${id}: ${outputs[id].length} bytes`);
