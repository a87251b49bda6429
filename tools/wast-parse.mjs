// SPDX-License-Identifier: Apache-2.0
// Converts a Component Model test script (.wast) into a JSON command list plus the binary files
// of its components and modules, as wabt's wast2json does for core scripts. The script is split
// into top-level s-expressions here; each component in text form is turned into a binary by jco's
// JavaScript `parse()` (the only part of jco used; it does not validate, so validity is left to
// the runtime under test); `binary` forms are decoded here; value literals (`u32.const`,
// `str.const`, `record.const`, ...) become WAVE text, the value syntax `2cvm component run`
// reads and prints.
//
// Usage: node wast-parse.mjs SCRIPT.wast -o OUT.json
// OUT.json: {"source_filename": ..., "commands": [ {type, line, ...}, ... ]}, command types:
//   component             {filename, name?}                   define and instantiate
//   component_definition  {filename, name}                    define only
//   component_instance    {instance?, definition}             instantiate a definition
//   module                {filename, name?}                   a core module at script level
//   action                {action}                            action: {type:"invoke", field, args:[WAVE]}
//   assert_return         {action, expected:[WAVE]}
//   assert_trap           {action | filename, text}           filename: instantiation must trap
//   assert_invalid / assert_malformed / assert_unlinkable     {filename, text, module_type}
//   register              {as, name?}
//   skip                  {form, reason, name?, definition?}  a form this tool cannot convert
// A form that cannot be converted becomes a `skip` command with the reason, never an error, so the
// runner can report it; exit status 1 only when the script itself cannot be read or split.
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parse as jcoParse } from '@bytecodealliance/jco';

// ---- s-expression reader ----------------------------------------------------------------------

class ScriptError extends Error {}

// Returns the tree of the script: lists {list:[...], start, end}, atoms {atom, start, end},
// strings {str: Buffer, start, end}. Comments `;; ...` and `(; ... ;)` (nested) are skipped.
function readSexprs(text) {
  let i = 0;
  const n = text.length;
  const stack = [{ list: [], start: 0 }];
  const fail = (msg, at) => {
    throw new ScriptError(`line ${lineOf(text, at)}: ${msg}`);
  };
  while (i < n) {
    const c = text[i];
    if (c === ';' && text[i + 1] === ';') {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '(' && text[i + 1] === ';') {
      let depth = 1;
      const at = i;
      i += 2;
      while (i < n && depth > 0) {
        if (text[i] === '(' && text[i + 1] === ';') {
          depth++;
          i += 2;
        } else if (text[i] === ';' && text[i + 1] === ')') {
          depth--;
          i += 2;
        } else i++;
      }
      if (depth > 0) fail('unterminated block comment', at);
    } else if (c === '(') {
      stack.push({ list: [], start: i });
      i++;
    } else if (c === ')') {
      if (stack.length === 1) fail("unbalanced ')'", i);
      const node = stack.pop();
      node.end = i + 1;
      stack[stack.length - 1].list.push(node);
      i++;
    } else if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '"') {
      const start = i;
      i++;
      const bytes = [];
      while (true) {
        if (i >= n) fail('unterminated string', start);
        const d = text[i];
        if (d === '"') {
          i++;
          break;
        }
        if (d === '\\') {
          const e = text[i + 1];
          if (e === 'n') bytes.push(10), (i += 2);
          else if (e === 't') bytes.push(9), (i += 2);
          else if (e === 'r') bytes.push(13), (i += 2);
          else if (e === '\\' || e === "'" || e === '"') bytes.push(e.charCodeAt(0)), (i += 2);
          else if (e === 'u' && text[i + 2] === '{') {
            const close = text.indexOf('}', i);
            if (close < 0) fail('bad \\u{...} escape', i);
            const cp = parseInt(text.slice(i + 3, close).replace(/_/g, ''), 16);
            if (!Number.isFinite(cp) || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
              fail('bad \\u{...} escape', i);
            bytes.push(...Buffer.from(String.fromCodePoint(cp), 'utf8'));
            i = close + 1;
          } else if (/^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
            bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
            i += 3;
          } else fail(`bad string escape \\${e}`, i);
        } else {
          const cp = text.codePointAt(i);
          const ch = String.fromCodePoint(cp);
          bytes.push(...Buffer.from(ch, 'utf8'));
          i += ch.length;
        }
      }
      stack[stack.length - 1].list.push({ str: Buffer.from(bytes), start, end: i });
    } else {
      const start = i;
      while (i < n && !' \t\n\r()";'.includes(text[i])) i++;
      stack[stack.length - 1].list.push({ atom: text.slice(start, i), start, end: i });
    }
  }
  if (stack.length !== 1) fail("unbalanced '(' (the form is not closed)", stack[stack.length - 1].start);
  return stack[0].list;
}

function lineOf(text, offset) {
  let line = 1;
  for (let k = 0; k < offset && k < text.length; k++) if (text[k] === '\n') line++;
  return line;
}

const isAtom = (node, name) => node && node.atom !== undefined && (name === undefined || node.atom === name);
const isId = (node) => isAtom(node) && node.atom.startsWith('$');
const head = (node) => (node && node.list && node.list.length && node.list[0].atom) || null;

// ---- values -> WAVE ---------------------------------------------------------------------------

class ValueError extends Error {}

const WAVE_KEYWORDS = new Set(['true', 'false', 'some', 'none', 'ok', 'err', 'inf', 'nan']);

function waveLabel(name) {
  if (!/^[a-zA-Z][a-zA-Z0-9]*(-[a-zA-Z][a-zA-Z0-9]*)*$/.test(name))
    throw new ValueError(`"${name}" is not a WIT label`);
  return WAVE_KEYWORDS.has(name) ? `%${name}` : name;
}

function waveString(s, quote) {
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0);
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += `\\u{${cp.toString(16)}}`;
    else out += ch;
  }
  return out + quote;
}

function utf8Text(buf, what) {
  const s = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  try {
    return s.decode(buf);
  } catch {
    throw new ValueError(`${what} is not valid UTF-8`);
  }
}

const INT_RANGES = {
  u8: [0n, 255n], s8: [-128n, 127n], u16: [0n, 65535n], s16: [-32768n, 32767n],
  u32: [0n, 4294967295n], s32: [-2147483648n, 2147483647n],
  u64: [0n, 18446744073709551615n], s64: [-9223372036854775808n, 9223372036854775807n],
};

function parseInt64(text, type) {
  let t = text.replace(/_/g, '');
  let neg = false;
  if (t.startsWith('-') || t.startsWith('+')) {
    neg = t[0] === '-';
    t = t.slice(1);
  }
  if (!/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(t)) throw new ValueError(`bad ${type} literal ${text}`);
  let v = BigInt(t);
  if (neg) v = -v;
  const [lo, hi] = INT_RANGES[type];
  // Like core wast, a signed type also accepts the unsigned spelling of its bit pattern.
  if (type.startsWith('s') && v > hi) {
    const bits = BigInt(type.slice(1));
    if (v < (1n << bits)) v -= 1n << bits;
  }
  if (v < lo || v > hi) throw new ValueError(`${type} literal ${text} out of range`);
  return v.toString();
}

function parseHexFloat(t) {
  const m = /^0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?[0-9]+))?$/i.exec(t);
  if (!m) return null;
  const int = m[1] || '0';
  const frac = m[2] || '';
  let mant = BigInt('0x' + (int + frac || '0'));
  let exp = (m[3] ? parseInt(m[3], 10) : 0) - 4 * frac.length;
  // Exact enough for literals of f32/f64 precision: scale with a double power of two.
  let v = Number(mant);
  return v * Math.pow(2, exp);
}

function parseFloatLit(text, type) {
  let t = text.replace(/_/g, '');
  let sign = 1;
  if (t.startsWith('-') || t.startsWith('+')) {
    if (t[0] === '-') sign = -1;
    t = t.slice(1);
  }
  if (t === 'inf') return sign > 0 ? 'inf' : '-inf';
  if (t === 'nan' || t.startsWith('nan:')) return 'nan';
  let v;
  if (/^0x/i.test(t)) v = parseHexFloat(t);
  else if (/^[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?$/.test(t)) v = Number(t);
  if (v === null || v === undefined || Number.isNaN(v)) throw new ValueError(`bad ${type} literal ${text}`);
  v *= sign;
  if (type === 'f32') v = Math.fround(v);
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (Object.is(v, -0)) return '-0';
  return String(v).replace(/e\+/, 'e');
}

// A value form: (u32.const 1), (str.const "x"), (record.const (field "a" u8.const 1)), ...
function toWave(node) {
  if (!node.list) throw new ValueError('expected a value in parentheses');
  return toWaveParts(node.list);
}

function toWaveParts(parts) {
  const h = parts[0] && parts[0].atom;
  if (!h) throw new ValueError('expected a value form');
  const args = parts.slice(1);
  const one = () => {
    if (args.length !== 1 || args[0].atom === undefined) throw new ValueError(`${h} takes one literal`);
    return args[0].atom;
  };
  const oneStr = () => {
    if (args.length !== 1 || !args[0].str) throw new ValueError(`${h} takes one string`);
    return args[0].str;
  };
  const m = /^([us](8|16|32|64))\.const$/.exec(h);
  if (m) return parseInt64(one(), m[1]);
  switch (h) {
    case 'bool.const': {
      const v = one();
      if (v !== 'true' && v !== 'false') throw new ValueError(`bad bool literal ${v}`);
      return v;
    }
    case 'f32.const':
    case 'f64.const':
      return parseFloatLit(one(), h.slice(0, 3));
    case 'char.const': {
      const s = utf8Text(oneStr(), 'char.const');
      if ([...s].length !== 1) throw new ValueError('char.const needs exactly one character');
      return waveString(s, "'");
    }
    case 'str.const':
      return waveString(utf8Text(oneStr(), 'str.const'), '"');
    case 'list.const':
      return `[${args.map(toWave).join(', ')}]`;
    case 'tuple.const':
      return `(${args.map(toWave).join(', ')})`;
    case 'record.const': {
      if (args.length === 0) throw new ValueError('record.const needs fields');
      const fields = args.map((f) => {
        if (head(f) !== 'field' || !f.list[1] || !f.list[1].str)
          throw new ValueError('record.const fields are (field "name" VALUE)');
        const name = waveLabel(utf8Text(f.list[1].str, 'field name'));
        const rest = f.list.slice(2);
        const value = rest.length === 1 && rest[0].list ? toWave(rest[0]) : toWaveParts(rest);
        return `${name}: ${value}`;
      });
      return `{${fields.join(', ')}}`;
    }
    case 'variant.const': {
      if (!args[0] || !args[0].str || args.length > 2) throw new ValueError('variant.const "case" VALUE?');
      const name = waveLabel(utf8Text(args[0].str, 'case name'));
      return args.length === 2 ? `${name}(${toWave(args[1])})` : name;
    }
    case 'enum.const':
      return waveLabel(utf8Text(oneStr(), 'enum case'));
    case 'flags.const':
      return `{${args.map((a) => {
        if (!a.str) throw new ValueError('flags.const takes strings');
        return waveLabel(utf8Text(a.str, 'flag'));
      }).join(', ')}}`;
    case 'option.none':
      if (args.length) throw new ValueError('option.none takes nothing');
      return 'none';
    case 'option.some':
      if (args.length !== 1) throw new ValueError('option.some takes one value');
      return `some(${toWave(args[0])})`;
    case 'result.ok':
    case 'result.err': {
      if (args.length > 1) throw new ValueError(`${h} takes at most one value`);
      const tag = h.slice(7);
      return args.length ? `${tag}(${toWave(args[0])})` : tag;
    }
    default:
      throw new ValueError(`value form ${h} is not supported`);
  }
}

// ---- components and modules -------------------------------------------------------------------

// Describes a (component ...) / (module ...) form: its kind, optional id, whether it is a
// definition, and how to get its bytes: {binary: Buffer} | {text: string} | {quote: string}.
function describeUnit(node, text) {
  const kind = head(node); // 'component' or 'module'
  const items = node.list;
  let k = 1;
  let definition = false;
  let id;
  if (isAtom(items[k], 'definition')) {
    definition = true;
    k++;
  }
  if (isId(items[k])) id = items[k++].atom;
  if (isAtom(items[k], 'binary') || isAtom(items[k], 'quote')) {
    const strs = items.slice(k + 1);
    if (!strs.every((s) => s.str)) throw new ValueError(`(${kind} ${items[k].atom} ...) takes strings`);
    const bytes = Buffer.concat(strs.map((s) => s.str));
    if (items[k].atom === 'binary') return { kind, id, definition, binary: bytes };
    return { kind, id, definition, quote: `(${kind} ${bytes.toString('utf8')})` };
  }
  // Text: the form's own source, without the script-level `definition` keyword.
  let src = text.slice(node.start, node.end);
  if (definition) {
    const d = items[1];
    src = text.slice(node.start, d.start) + text.slice(d.end, node.end);
  }
  return { kind, id, definition, text: src };
}

// jco reports parse errors as the Debug form of wasm-tools' error; keep position and kind.
function parseErrorText(raw) {
  const pos = /line: (\d+), col: (\d+)/.exec(raw);
  const at = raw.lastIndexOf('kind: ');
  const kind = at >= 0 ? /^kind: (.*?)(?: \})*\)?(?: \})*\s*$/s.exec(raw.slice(at)) : null;
  let what = kind ? kind[1] : raw.split('\n')[0];
  const custom = /^Custom\("(.*)"\)$/s.exec(what);
  if (custom) what = custom[1];
  return pos ? `${what} (line ${Number(pos[1]) + 1}, column ${Number(pos[2]) + 1} of the form)` : what;
}

async function unitBytes(unit) {
  if (unit.binary) return { bytes: unit.binary, type: 'binary' };
  const src = unit.text ?? unit.quote;
  try {
    return { bytes: await jcoParse(src), type: unit.quote ? 'text' : 'binary' };
  } catch (e) {
    return { error: parseErrorText(String(e?.message ?? e)), type: unit.quote ? 'text' : 'binary' };
  }
}

// ---- commands ---------------------------------------------------------------------------------

function actionOf(node) {
  if (head(node) !== 'invoke') throw new ValueError(`action ${head(node) || '?'} is not supported`);
  const items = node.list.slice(1);
  let instance;
  if (isId(items[0])) instance = items.shift().atom;
  if (!items[0] || !items[0].str) throw new ValueError('invoke needs an export name');
  const field = utf8Text(items.shift().str, 'export name');
  const action = { type: 'invoke', field, args: items.map(toWave) };
  if (instance) action.instance = instance;
  return action;
}

function messageOf(node, form) {
  if (!node || !node.str) throw new ValueError(`${form} needs a message string`);
  return utf8Text(node.str, 'message');
}

async function convert(script, outJson) {
  const text = await readFile(script, 'utf8');
  const forms = readSexprs(text);
  const outDir = dirname(outJson);
  const stem = basename(outJson).replace(/\.json$/, '');
  await mkdir(outDir, { recursive: true });
  let fileNo = 0;
  const commands = [];

  const writeUnit = async (unit) => {
    const r = await unitBytes(unit);
    if (r.error) return r;
    const filename = `${stem}.${fileNo++}.wasm`;
    await writeFile(join(outDir, filename), r.bytes);
    return { filename, module_type: r.type };
  };

  for (const form of forms) {
    const line = lineOf(text, form.start);
    const h = head(form);
    const skip = (reason) => commands.push({ type: 'skip', line, form: h || '?', reason });
    try {
      if (!form.list) {
        skip('a top-level atom or string outside any form');
      } else if ((h === 'component' || h === 'module') && isAtom(form.list[1], 'instance')) {
        const items = form.list.slice(2);
        const cmd = { type: 'component_instance', line };
        if (items.length === 2 && isId(items[0]) && isId(items[1])) {
          cmd.instance = items[0].atom;
          cmd.definition = items[1].atom;
        } else if (items.length === 1 && isId(items[0])) {
          cmd.definition = items[0].atom;
        } else throw new ValueError('(component instance $i $definition)');
        if (h === 'module') cmd.type = 'module_instance';
        commands.push(cmd);
      } else if (h === 'component' || h === 'module') {
        const unit = describeUnit(form, text);
        const r = await writeUnit(unit);
        if (r.error) {
          // name and definition let the runner skip what runs on it, for the same reason
          commands.push({ type: 'skip', line, form: h, reason:
            `jco's parser cannot read this ${h} (text syntax newer than its parser?): ${r.error}`,
            ...(unit.id ? { name: unit.id } : {}), definition: unit.definition });
          continue;
        }
        const type = h === 'module' ? 'module' : unit.definition ? 'component_definition' : 'component';
        const cmd = { type, line, filename: r.filename };
        if (unit.id) cmd.name = unit.id;
        commands.push(cmd);
      } else if (h === 'invoke') {
        commands.push({ type: 'action', line, action: actionOf(form) });
      } else if (h === 'assert_return') {
        const [, act, ...expected] = form.list;
        commands.push({ type: 'assert_return', line, action: actionOf(act), expected: expected.map(toWave) });
      } else if (h === 'assert_trap' || h === 'assert_exhaustion') {
        const [, what, msg] = form.list;
        const cmd = { type: h, line, text: messageOf(msg, h) };
        const wh = head(what);
        if (wh === 'component' || wh === 'module') {
          const r = await writeUnit(describeUnit(what, text));
          if (r.error) {
            skip(`jco's parser cannot read this ${wh}: ${r.error}`);
            continue;
          }
          cmd.filename = r.filename;
          cmd.module_kind = wh;
        } else cmd.action = actionOf(what);
        commands.push(cmd);
      } else if (h === 'assert_invalid' || h === 'assert_malformed' || h === 'assert_unlinkable') {
        const [, what, msg] = form.list;
        const wh = head(what);
        if (wh !== 'component' && wh !== 'module') throw new ValueError(`${h} of a ${wh || '?'}`);
        const message = messageOf(msg, h);
        const unit = describeUnit(what, text);
        const r = await writeUnit(unit);
        if (r.error) {
          // The text never becomes a binary, so the runtime has nothing to judge.
          const reason = unit.quote
            ? `malformed text, rejected by the text parser (jco), not by the runtime: ${r.error}`
            : `jco's parser cannot read this ${wh} (its text is invalid at the text level, or newer than the parser): ${r.error}`;
          commands.push({ type: 'skip', line, form: h, reason, text: message });
          continue;
        }
        commands.push({ type: h, line, filename: r.filename, module_type: r.module_type,
                        module_kind: wh, text: message });
      } else if (h === 'register') {
        const [, as, id] = form.list;
        if (!as || !as.str) throw new ValueError('register needs a name');
        const cmd = { type: 'register', line, as: utf8Text(as.str, 'name') };
        if (isId(id)) cmd.name = id.atom;
        commands.push(cmd);
      } else {
        skip(`the script command ${h || '?'} is not supported`);
      }
    } catch (e) {
      if (!(e instanceof ValueError)) throw e;
      skip(e.message);
    }
  }
  const out = { source_filename: basename(script), commands };
  await writeFile(outJson, JSON.stringify(out, null, 1) + '\n');
}

// ---- main -------------------------------------------------------------------------------------

const argv = process.argv.slice(2);
let script;
let out;
for (let k = 0; k < argv.length; k++) {
  if (argv[k] === '-o') out = argv[++k];
  else if (!script) script = argv[k];
  else out = undefined, (script = undefined);
}
if (!script || !out) {
  console.error('usage: node wast-parse.mjs SCRIPT.wast -o OUT.json');
  process.exit(2);
}
try {
  await convert(script, out);
} catch (e) {
  if (e instanceof ScriptError) {
    console.error(`${script}: ${e.message}`);
    process.exit(1);
  }
  if (e && e.code && e.path) {
    console.error(`${script}: ${e.message}`);
    process.exit(1);
  }
  throw e;
}
