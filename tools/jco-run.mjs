// SPDX-License-Identifier: Apache-2.0
// The reference runner of the differential tests: runs a component with jco (`transpile` to
// JavaScript, then node) and calls one export with arguments written in WAVE, printing the result
// in WAVE, as `2cvm component run COMPONENT --invoke 'f(args)'` does. The types come from the
// component's WIT (jco's componentWit, or --wit FILE for worlds that export interfaces, whose
// definitions componentWit leaves out); values are converted between WAVE and jco's JavaScript
// representation (bigint for 64-bit integers, typed arrays for lists of numbers, {tag, val} for
// variants and nested options, exceptions for result errors, camelCase record fields and flags).
//
// Usage: node jco-run.mjs COMPONENT.wasm --invoke 'name(args)' [--wit FILE.wit]
// Prints the result (nothing for a function without one) and exits 0; a trap or guest error
// prints "error: ..." on stderr and exits 1; bad usage, types or WAVE text exit 2.
import { readFile, writeFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { transpile, componentWit } from '@bytecodealliance/jco';

class UsageError extends Error {}

// ---- WIT (the subset a world or interface of value types and functions uses) -----------------

// A type is {k: 'u32'} for primitives, {k:'list', of}, {k:'option', of}, {k:'result', ok, err},
// {k:'tuple', items}, {k:'record', fields:[[name,type]]}, {k:'variant', cases:[[name,type|null]]},
// {k:'enum', cases}, {k:'flags', names}, {k:'own'|'borrow', res}, {k:'ref', name} before resolve.
const PRIMS = new Set(['bool', 's8', 'u8', 's16', 'u16', 's32', 'u32', 's64', 'u64', 'f32', 'f64',
  'char', 'string']);

function witTokens(text) {
  const out = [];
  const re = /\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/|(%?[a-zA-Z][a-zA-Z0-9-]*|@[0-9A-Za-z.+-]+|->|[{}()<>,:;=_./#@*])/gy;
  let m;
  let at = 0;
  while (at < text.length) {
    re.lastIndex = at;
    m = re.exec(text);
    if (!m) throw new UsageError(`WIT: unexpected character at offset ${at}: ${text.slice(at, at + 10)}`);
    at = re.lastIndex;
    if (m[1] !== undefined) out.push(m[1].startsWith('%') ? m[1].slice(1) : m[1]);
  }
  return out;
}

function parseWit(text) {
  const t = witTokens(text);
  let i = 0;
  const peek = () => t[i];
  const next = () => {
    if (i >= t.length) throw new UsageError('WIT: unexpected end');
    return t[i++];
  };
  const expect = (s) => {
    const g = next();
    if (g !== s) throw new UsageError(`WIT: expected '${s}', found '${g}'`);
  };
  const skipBalanced = () => { // skips a { ... } block or up to ';'
    let depth = 0;
    while (i < t.length) {
      const g = next();
      if (g === '{') depth++;
      else if (g === '}') { if (--depth <= 0) return; }
      else if (g === ';' && depth === 0) return;
    }
  };
  let pkg = null;
  const scopes = {}; // scope name -> {types: Map, funcs: Map}
  const worlds = [];

  const parseType = () => {
    const g = next();
    if (PRIMS.has(g)) return { k: g };
    if (g === 'list' || g === 'option') {
      expect('<');
      const of = parseType();
      expect('>');
      return { k: g, of };
    }
    if (g === 'result') {
      if (peek() !== '<') return { k: 'result', ok: null, err: null };
      next();
      let ok = null;
      if (peek() === '_') next();
      else ok = parseType();
      let err = null;
      if (peek() === ',') { next(); err = parseType(); }
      expect('>');
      return { k: 'result', ok, err };
    }
    if (g === 'tuple') {
      expect('<');
      const items = [parseType()];
      while (peek() === ',') { next(); if (peek() === '>') break; items.push(parseType()); }
      expect('>');
      return { k: 'tuple', items };
    }
    if (g === 'borrow' || g === 'own') {
      expect('<');
      const name = next();
      expect('>');
      return { k: g, res: name };
    }
    return { k: 'ref', name: g };
  };

  const parseFunc = () => { // after 'func'
    expect('(');
    const params = [];
    while (peek() !== ')') {
      const name = next();
      expect(':');
      params.push([name, parseType()]);
      if (peek() === ',') next();
    }
    expect(')');
    let result = null;
    if (peek() === '->') { next(); result = parseType(); }
    return { params, result };
  };

  const parseItems = (scope, inWorld, world) => { // inside { ... } of an interface or world
    while (peek() !== '}') {
      const g = next();
      if (g === 'use' || g === 'include') { skipBalanced(); continue; }
      if (g === 'record' || g === 'variant' || g === 'enum' || g === 'flags') {
        const name = next();
        expect('{');
        const members = [];
        while (peek() !== '}') {
          const m = next();
          if (g === 'record') { expect(':'); members.push([m, parseType()]); }
          else if (g === 'variant') {
            let ty = null;
            if (peek() === '(') { next(); ty = parseType(); expect(')'); }
            members.push([m, ty]);
          } else members.push(m);
          if (peek() === ',') next();
        }
        expect('}');
        const ty = g === 'record' ? { k: 'record', fields: members }
          : g === 'variant' ? { k: 'variant', cases: members }
          : g === 'enum' ? { k: 'enum', cases: members } : { k: 'flags', names: members };
        scope.types.set(name, ty);
      } else if (g === 'type') {
        const name = next();
        expect('=');
        scope.types.set(name, parseType());
        expect(';');
      } else if (g === 'resource') {
        const name = next();
        scope.types.set(name, { k: 'resource', name });
        if (peek() === '{') {
          next();
          while (peek() !== '}') {
            const m = next();
            if (m === 'constructor') {
              const f = parseFunc();
              f.result = { k: 'own', res: name };
              scope.funcs.set(`[constructor]${name}`, f);
              expect(';');
              continue;
            }
            expect(':');
            let isStatic = false;
            if (peek() === 'static') { next(); isStatic = true; }
            expect('func');
            const f = parseFunc();
            if (!isStatic) f.params.unshift(['self', { k: 'borrow', res: name }]);
            scope.funcs.set(`${isStatic ? '[static]' : '[method]'}${name}.${m}`, f);
            expect(';');
          }
          expect('}');
        } else expect(';');
      } else if (inWorld && (g === 'export' || g === 'import')) {
        const name = next();
        if (peek() === ':') {
          next();
          if (peek() === 'func') {
            next();
            const f = parseFunc();
            expect(';');
            if (g === 'export') world.exports.set(name, { func: f, scope });
          } else if (peek() === 'interface') {
            next();
            const inner = { types: new Map(), funcs: new Map(), parent: scope };
            expect('{');
            parseItems(inner, false);
            expect('}');
            if (g === 'export') world.ifaces.set(name, inner);
          } else skipBalanced();
        } else {
          // export ns:pkg/iface@ver; or export iface;
          let full = name;
          while (peek() !== ';') full += next();
          expect(';');
          if (g === 'export') world.ifaceRefs.push(full);
        }
      } else if (!inWorld) {
        // interface function: name: func(...)
        expect(':');
        expect('func');
        const f = parseFunc();
        expect(';');
        scope.funcs.set(g, f);
      } else {
        skipBalanced();
      }
    }
  };

  while (i < t.length) {
    const g = next();
    if (g === 'package') {
      let name = '';
      while (peek() !== ';') name += next();
      expect(';');
      pkg = name;
    } else if (g === 'interface') {
      const name = next();
      const scope = { types: new Map(), funcs: new Map() };
      expect('{');
      parseItems(scope, false);
      expect('}');
      scopes[name] = scope;
    } else if (g === 'world') {
      const name = next();
      const world = { name, exports: new Map(), ifaces: new Map(), ifaceRefs: [],
        scope: { types: new Map(), funcs: new Map() } };
      expect('{');
      parseItems(world.scope, true, world);
      expect('}');
      worlds.push(world);
    } else skipBalanced();
  }
  return { pkg, scopes, worlds };
}

function resolveType(ty, scope) {
  if (ty === null) return null;
  switch (ty.k) {
    case 'ref': {
      for (let s = scope; s; s = s.parent) {
        if (s.types.has(ty.name)) return resolveType(s.types.get(ty.name), s);
      }
      throw new UsageError(`WIT: unknown type ${ty.name}`);
    }
    case 'list':
    case 'option': return { k: ty.k, of: resolveType(ty.of, scope) };
    case 'result': return { k: 'result', ok: resolveType(ty.ok, scope), err: resolveType(ty.err, scope) };
    case 'tuple': return { k: 'tuple', items: ty.items.map((x) => resolveType(x, scope)) };
    case 'record': return { k: 'record', fields: ty.fields.map(([n, x]) => [n, resolveType(x, scope)]) };
    case 'variant': return { k: 'variant', cases: ty.cases.map(([n, x]) => [n, resolveType(x, scope)]) };
    case 'resource': return { k: 'own', res: ty.name };
    default: return ty;
  }
}

// Finds export `name` ("f" or "ns:pkg/iface#f"): {type: {params, result}, path: [js names]}.
function findExport(wit, name) {
  const world = wit.worlds[wit.worlds.length - 1];
  if (!world) throw new UsageError('WIT: no world');
  const hash = name.indexOf('#');
  if (hash < 0) {
    const e = world.exports.get(name);
    if (!e) throw new UsageError(`the component exports no function ${name}`);
    return { func: e.func, scope: world.scope, path: [camel(name)] };
  }
  const ifaceName = name.slice(0, hash);
  const fname = name.slice(hash + 1);
  let scope = world.ifaces.get(ifaceName);
  if (!scope) {
    const short = ifaceName.replace(/@.*$/, '').replace(/^.*\//, '');
    const full = world.ifaceRefs.find((r) => r === ifaceName || r.replace(/@.*$/, '') === ifaceName.replace(/@.*$/, '') || r === short);
    if (full) scope = wit.scopes[short];
  }
  if (!scope || !scope.funcs.has(fname)) throw new UsageError(`the component exports no function ${name}`);
  const short = ifaceName.replace(/@.*$/, '').replace(/^.*\//, '');
  return { func: scope.funcs.get(fname), scope, path: [camel(short), jsFuncName(fname)], ifaceName };
}

const camel = (s) => s.replace(/-([a-z0-9])/gi, (_, c) => c.toUpperCase());
const upperCamel = (s) => camel(s).replace(/^./, (c) => c.toUpperCase());
function jsFuncName(fname) {
  const m = /^\[(constructor|method|static)\]([^.]*)(?:\.(.*))?$/.exec(fname);
  if (!m) return camel(fname);
  return m[1] === 'constructor' ? upperCamel(m[2]) : `${upperCamel(m[2])}.${camel(m[3])}`;
}

// ---- WAVE text -> JS values --------------------------------------------------------------------

class WaveReader {
  constructor(text) {
    this.s = text;
    this.i = 0;
  }
  fail(msg) {
    throw new UsageError(`WAVE at offset ${this.i}: ${msg}`);
  }
  ws() {
    while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
  }
  eat(c) {
    this.ws();
    if (this.s.startsWith(c, this.i)) {
      this.i += c.length;
      return true;
    }
    return false;
  }
  want(c) {
    if (!this.eat(c)) this.fail(`expected '${c}'`);
  }
  label() {
    this.ws();
    const m = /^%?([a-zA-Z][a-zA-Z0-9]*(?:-[a-zA-Z0-9]+)*)/.exec(this.s.slice(this.i));
    if (!m) this.fail('expected a label');
    this.i += m[0].length;
    return m[1];
  }
  // Reads items separated by commas up to close (a trailing comma is allowed).
  seq(close, item) {
    const out = [];
    if (this.eat(close)) return out;
    for (;;) {
      out.push(item());
      if (this.eat(close)) return out;
      this.want(',');
      if (this.eat(close)) return out;
    }
  }
  escape() { // after a backslash
    const c = this.s[this.i++];
    const simple = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'" };
    if (c in simple) return simple[c];
    if (c === 'u' && this.s[this.i] === '{') {
      const close = this.s.indexOf('}', this.i);
      if (close < 0) this.fail('bad \\u{...}');
      const cp = parseInt(this.s.slice(this.i + 1, close), 16);
      if (!(cp >= 0 && cp <= 0x10ffff) || (cp >= 0xd800 && cp < 0xe000)) this.fail('bad \\u{...} scalar');
      this.i = close + 1;
      return String.fromCodePoint(cp);
    }
    this.fail(`bad escape \\${c}`);
  }
  quoted(q) {
    this.ws();
    if (this.s[this.i] !== q) this.fail(`expected ${q}`);
    this.i++;
    let out = '';
    for (;;) {
      if (this.i >= this.s.length) this.fail('unterminated text');
      const c = this.s[this.i];
      if (c === q) { this.i++; return out; }
      if (c === '\\') { this.i++; out += this.escape(); continue; }
      const ch = String.fromCodePoint(this.s.codePointAt(this.i));
      out += ch;
      this.i += ch.length;
    }
  }
  number() {
    this.ws();
    const m = /^[-+]?(inf|nan|[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?)/.exec(this.s.slice(this.i));
    if (!m) this.fail('expected a number');
    this.i += m[0].length;
    return m[0];
  }
}

const INT_BITS = { s8: 8, u8: 8, s16: 16, u16: 16, s32: 32, u32: 32, s64: 64, u64: 64 };

function readValue(r, ty) {
  switch (ty.k) {
    case 'bool': {
      const l = r.label();
      if (l !== 'true' && l !== 'false') r.fail('expected true or false');
      return l === 'true';
    }
    case 's8': case 'u8': case 's16': case 'u16': case 's32': case 'u32': case 's64': case 'u64': {
      const text = r.number();
      if (!/^[-+]?[0-9]+$/.test(text)) r.fail(`expected an integer for ${ty.k}`);
      const v = BigInt(text);
      const bits = BigInt(INT_BITS[ty.k]);
      const lo = ty.k[0] === 's' ? -(1n << (bits - 1n)) : 0n;
      const hi = ty.k[0] === 's' ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
      if (v < lo || v > hi) r.fail(`${text} is out of range for ${ty.k}`);
      return bits === 64n ? v : Number(v);
    }
    case 'f32': case 'f64': {
      const text = r.number();
      const v = /nan/.test(text) ? NaN : /inf/.test(text) ? (text[0] === '-' ? -Infinity : Infinity) : Number(text);
      return ty.k === 'f32' ? Math.fround(v) : v;
    }
    case 'char': {
      const s = r.quoted("'");
      if ([...s].length !== 1) r.fail('a char holds one character');
      return s;
    }
    case 'string': return r.quoted('"');
    case 'list': {
      r.want('[');
      const items = r.seq(']', () => readValue(r, ty.of));
      return toTypedArray(ty.of, items);
    }
    case 'tuple': {
      r.want('(');
      const items = [];
      ty.items.forEach((t, k) => {
        if (k) r.want(',');
        items.push(readValue(r, t));
      });
      r.eat(',');
      r.want(')');
      return items;
    }
    case 'record': {
      r.want('{');
      const got = new Map();
      r.seq('}', () => {
        const l = r.label();
        r.want(':');
        const f = ty.fields.find(([n]) => n === l);
        if (!f) r.fail(`no field ${l}`);
        got.set(l, readValue(r, f[1]));
      });
      const obj = {};
      for (const [n, t] of ty.fields) {
        if (got.has(n)) obj[camel(n)] = got.get(n);
        else if (t.k === 'option') obj[camel(n)] = undefined;
        else r.fail(`field ${n} is missing`);
      }
      return obj;
    }
    case 'variant': {
      const l = r.label();
      const c = ty.cases.find(([n]) => n === l);
      if (!c) r.fail(`no case ${l}`);
      if (c[1]) {
        r.want('(');
        const val = readValue(r, c[1]);
        r.want(')');
        return { tag: l, val };
      }
      return { tag: l };
    }
    case 'enum': {
      const l = r.label();
      if (!ty.cases.includes(l)) r.fail(`no case ${l}`);
      return l;
    }
    case 'flags': {
      r.want('{');
      const set = new Set(r.seq('}', () => r.label()));
      const obj = {};
      for (const n of ty.names) obj[camel(n)] = set.has(n);
      for (const n of set) if (!ty.names.includes(n)) r.fail(`no flag ${n}`);
      return obj;
    }
    case 'option': {
      const l = r.label();
      let v;
      if (l === 'none') v = null;
      else if (l === 'some') {
        r.want('(');
        v = { some: readValue(r, ty.of) };
        r.want(')');
      } else r.fail('expected some(...) or none');
      return v === null ? { __none: true } : { __some: v.some };
    }
    case 'result': {
      const l = r.label();
      if (l !== 'ok' && l !== 'err') r.fail('expected ok or err');
      const pt = l === 'ok' ? ty.ok : ty.err;
      let val;
      if (pt) {
        r.want('(');
        val = readValue(r, pt);
        r.want(')');
      }
      return pt ? { tag: l, val } : { tag: l };
    }
    default:
      r.fail(`values of type ${ty.k} cannot be written in WAVE`);
  }
}

const TYPED = { u8: Uint8Array, s8: Int8Array, u16: Uint16Array, s16: Int16Array, u32: Uint32Array,
  s32: Int32Array, u64: BigUint64Array, s64: BigInt64Array, f32: Float32Array, f64: Float64Array };

function toTypedArray(elem, items) {
  return TYPED[elem.k] ? TYPED[elem.k].from(items) : items;
}

// jco writes an option as its payload or undefined, except an option whose payload is itself an
// option: that one is {tag: 'some', val} / {tag: 'none'}, and its own payload is written plainly
// again (so option<option<option<option<T>>>> alternates: tagged, plain, tagged, plain).
function optionTagged(ty, parentTagged) {
  return ty.of.k === 'option' && !parentTagged;
}

// Turns what readValue produced into jco's representation (options need their context).
function fixNested(ty, v, nested = false) {
  switch (ty.k) {
    case 'option': {
      const tagged = optionTagged(ty, nested);
      if (v.__none) return tagged ? { tag: 'none' } : undefined;
      const inner = fixNested(ty.of, v.__some, tagged);
      return tagged ? { tag: 'some', val: inner } : inner;
    }
    case 'list': return TYPED[ty.of.k] ? v : v.map((x) => fixNested(ty.of, x));
    case 'tuple': return v.map((x, k) => fixNested(ty.items[k], x));
    case 'record': {
      const o = {};
      for (const [n, t] of ty.fields) o[camel(n)] = fixNested(t, v[camel(n)]);
      return o;
    }
    case 'variant': {
      const c = ty.cases.find(([n]) => n === v.tag);
      return c[1] ? { tag: v.tag, val: fixNested(c[1], v.val) } : { tag: v.tag };
    }
    case 'result': {
      const pt = v.tag === 'ok' ? ty.ok : ty.err;
      return pt ? { tag: v.tag, val: fixNested(pt, v.val) } : { tag: v.tag };
    }
    default: return v;
  }
}

// ---- JS values -> WAVE text --------------------------------------------------------------------

const WAVE_KEYWORDS = new Set(['true', 'false', 'some', 'none', 'ok', 'err', 'inf', 'nan']);
const label = (n) => (WAVE_KEYWORDS.has(n) ? `%${n}` : n);

function quote(s, q) {
  let out = q;
  for (const ch of s) {
    const cp = ch.codePointAt(0);
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += `\\${q}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (cp < 0x20 || cp === 0x7f) out += `\\u{${cp.toString(16)}}`;
    else out += ch;
  }
  return out + q;
}

// Shortest decimal digits that read back to the same value, written without an exponent
// (the way WAVE prints floats).
function floatText(v, f32) {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  let digits;
  if (f32) {
    for (let p = 1; p <= 9; p++) {
      const s = v.toPrecision(p);
      if (Math.fround(Number(s)) === v) { digits = Number(s).toExponential(); break; }
    }
  } else digits = v.toExponential();
  // digits: "-d.ddde[+-]x" with the shortest round-tripping mantissa
  if (!f32) {
    for (let p = 1; p <= 17; p++) {
      const s = v.toExponential(p - 1);
      if (Number(s) === v) { digits = s; break; }
    }
  }
  const m = /^(-?)(\d)(?:\.(\d+))?e([-+]\d+)$/.exec(digits);
  const sign = m[1];
  const mant = m[2] + (m[3] || '');
  const exp = Number(m[4]);
  const point = exp + 1; // digits before the decimal point
  let out;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${mant}`;
  else if (point >= mant.length) out = mant + '0'.repeat(point - mant.length);
  else out = `${mant.slice(0, point)}.${mant.slice(point)}`;
  return sign + out;
}

function writeValue(ty, v, nestedOption = false) {
  switch (ty.k) {
    case 'bool': return v ? 'true' : 'false';
    case 's8': case 'u8': case 's16': case 'u16': case 's32': case 'u32':
    case 's64': case 'u64': return BigInt(v).toString();
    case 'f32': return floatText(v, true);
    case 'f64': return floatText(v, false);
    case 'char': return quote(v, "'");
    case 'string': return quote(v, '"');
    case 'list': return `[${Array.from(v, (x) => writeValue(ty.of, x)).join(', ')}]`;
    case 'tuple': return `(${ty.items.map((t, k) => writeValue(t, v[k])).join(', ')})`;
    case 'record': return `{${ty.fields.map(([n, t]) => `${label(n)}: ${writeValue(t, v[camel(n)])}`).join(', ')}}`;
    case 'variant': {
      const c = ty.cases.find(([n]) => n === v.tag);
      if (!c) throw new Error(`jco returned unknown case ${v.tag}`);
      return c[1] ? `${label(c[0])}(${writeValue(c[1], v.val)})` : label(c[0]);
    }
    case 'enum': return label(v);
    case 'flags': return `{${ty.names.filter((n) => v[camel(n)]).map(label).join(', ')}}`;
    case 'option': {
      const tagged = optionTagged(ty, nestedOption);
      if (tagged) {
        if (v.tag === 'none') return 'none';
        return `some(${writeValue(ty.of, v.val, true)})`;
      }
      if (v === undefined || v === null) return 'none';
      return `some(${writeValue(ty.of, v, false)})`;
    }
    case 'result': {
      const pt = v.tag === 'ok' ? ty.ok : ty.err;
      return pt ? `${v.tag}(${writeValue(pt, v.val)})` : v.tag;
    }
    default:
      throw new Error(`values of type ${ty.k} cannot be printed in WAVE`);
  }
}

// ---- main --------------------------------------------------------------------------------------

function parseInvoke(text) {
  const open = text.indexOf('(');
  if (open <= 0 || !text.trimEnd().endsWith(')')) throw new UsageError(`--invoke needs 'name(args)', not '${text}'`);
  return { name: text.slice(0, open).trim(), args: text.slice(open + 1, text.trimEnd().length - 1) };
}

// Runs one invocation on a fresh instance of the transpiled module (a fresh import: a new URL);
// returns {code, out, err} as the command line would exit and print.
async function runOne(wit, moduleUrl, invoke, fresh) {
  let call;
  let exp;
  let params;
  let result;
  let args;
  try {
    call = parseInvoke(invoke);
    exp = findExport(wit, call.name);
    params = exp.func.params.map(([n, t]) => [n, resolveType(t, exp.scope)]);
    result = resolveType(exp.func.result, exp.scope);
    const r = new WaveReader(call.args);
    args = params.map(([, t], k) => {
      if (k) r.want(',');
      return fixNested(t, readValue(r, t));
    });
    r.eat(',');
    r.ws();
    if (r.i !== r.s.length) r.fail('unexpected text after the arguments');
  } catch (e) {
    if (e instanceof UsageError) return { code: 2, out: '', err: `${e.message}\n` };
    throw e;
  }
  const last = exp.path[exp.path.length - 1];
  if (last.includes('.')) {
    const [cls, method] = last.split('.');
    return { code: 2, out: '', err: `methods (${cls}.${method}) need a resource handle, which WAVE cannot express\n` };
  }
  let mod;
  try {
    mod = await import(`${moduleUrl}?instance=${fresh}`);
  } catch (e) {
    return { code: 1, out: '', err: `error: instantiation: ${e && e.message ? e.message : e}\n` };
  }
  let target = mod;
  for (const p of exp.path.slice(0, -1)) target = target && target[p];
  const fn = target && target[last];
  if (typeof fn !== 'function') return { code: 2, out: '', err: `jco's module has no function ${exp.path.join('.')}\n` };
  let value;
  try {
    value = fn(...args);
  } catch (e) {
    if (result && result.k === 'result' && e && e.constructor && e.constructor.name === 'ComponentError') {
      return { code: 0, out: `${writeValue(result, { tag: 'err', val: e.payload })}\n`, err: '' };
    }
    return { code: 1, out: '', err: `error: ${e && e.message ? e.message : e}\n` };
  }
  if (!result) return { code: 0, out: '', err: '' };
  if (result.k === 'result') value = result.ok ? { tag: 'ok', val: value } : { tag: 'ok' };
  return { code: 0, out: `${writeValue(result, value)}\n`, err: '' };
}

async function main() {
  const argv = process.argv.slice(2);
  let file;
  let invoke;
  let witFile;
  let cases;
  let outDir;
  for (let k = 0; k < argv.length; k++) {
    if (argv[k] === '--invoke') invoke = argv[++k];
    else if (argv[k] === '--wit') witFile = argv[++k];
    else if (argv[k] === '--cases') cases = argv[++k];
    else if (argv[k] === '--out') outDir = argv[++k];
    else if (!file) file = argv[k];
    else throw new UsageError(`unexpected argument ${argv[k]}`);
  }
  if (!file || (!invoke && !(cases && outDir))) {
    throw new UsageError("usage: node jco-run.mjs COMPONENT.wasm (--invoke 'name(args)' | --cases FILE --out DIR) [--wit FILE.wit]");
  }
  const bytes = new Uint8Array(await readFile(file));
  const witText = witFile ? await readFile(witFile, 'utf8') : await componentWit(bytes);
  const wit = parseWit(witText);

  const dir = await mkdtemp(join(tmpdir(), 'jco-run-'));
  try {
    const out = await transpile(bytes, { name: 'component', quiet: true, noTypescript: true });
    for (const [n, b] of Object.entries(out.files)) {
      await mkdir(dirname(join(dir, n)), { recursive: true });
      await writeFile(join(dir, n), b);
    }
    const url = pathToFileURL(join(dir, 'component.js')).href;
    if (invoke) {
      const r = await runOne(wit, url, invoke, 0);
      process.stdout.write(r.out);
      process.stderr.write(r.err);
      return r.code;
    }
    // --cases: one invocation per line, each on a fresh instance; results in OUT/N.{out,err,rc}
    const lines = (await readFile(cases, 'utf8')).split('\n').filter((l) => l.length > 0);
    await mkdir(outDir, { recursive: true });
    for (let k = 0; k < lines.length; k++) {
      const r = await runOne(wit, url, lines[k], k);
      await writeFile(join(outDir, `${k}.out`), r.out);
      await writeFile(join(outDir, `${k}.err`), r.err);
      await writeFile(join(outDir, `${k}.rc`), `${r.code}\n`);
    }
    return 0;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// process.exitCode, not process.exit(): exit() would cut off output still queued for a pipe.
main().then((code) => { process.exitCode = code; }, (e) => {
  process.stderr.write(`${e instanceof UsageError ? '' : 'error: '}${e && e.message ? e.message : e}\n`);
  process.exitCode = e instanceof UsageError ? 2 : 1;
});
