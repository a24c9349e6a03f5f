// Seeded generator of JSON texts, valid and invalid, for the differential
// test of canonical JSON against V8 (see json-corpus.mjs).
//
// `generateCases(seed, count)` returns `count` strings; the same seed always
// yields the same strings. Texts are well-formed UTF-16 (no lone surrogate
// code units), so they survive a trip through UTF-8. Lone surrogates only
// appear as `\uXXXX` escapes inside JSON strings.

// Mulberry32: a tiny 32-bit PRNG, plenty for test generation.
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EDGE_NUMBERS = [
  '0', '-0', '-0.0', '0.0', '0e0', '-0e-5', '0.1', '0.5', '1', '-1', '1.0', '1E2', '1e2', '1e+2', '1E-2',
  '1e21', '1e20', '1e-7', '1e-6', '0.000001', '0.0000001', '123e-20', '5e-324', '4.9406564584124654e-324',
  '2e-324', '3e-324', '2.2250738585072014e-308', '1.7976931348623157e308', '1.7976931348623158e308',
  '1.7976931348623159e308', '1e309', '-1e400', '9007199254740993', '9007199254740992', '9007199254740991',
  '123456789012345', '1234567890123456', '-123456789012345', '999999999999999', '1000000000000000',
  '100000000000000000000', '1000000000000000000000', '99999999999999999999999', '0.30000000000000004',
  '0.1234567890123456789012345678901234567890', '123.456e-789', '1.5e300', '2.5E+10', '1e-99999',
  '1e99999', '0e99999999999999999999', '12345678901234567890123456789e-10', '4294967295', '4294967296',
  '-2147483648', '1.00000000000000011102230246251565404236316680908203125', '0.1e1', '10e-1', '-1E+0',
];

const PLAIN = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-.:/?#[]{}@!$&()*+,;=~`^|<>%\'';
const RAW_SPECIAL = ['é', 'ß', '中文', '😀', '🎉', '\u2028', '\u2029', '\u007f', '\ufeff', '\ufffd', '\u0080', '\u00a0', '𐀀', '\uffff'];
const SHORT_ESCAPES = ['\\"', '\\\\', '\\/', '\\b', '\\f', '\\n', '\\r', '\\t'];
const KEYS = [
  '0', '1', '2', '9', '10', '42', '4294967294', '4294967295', '4294967296', '01', '00', '-1', '1.0', '1e3', ' 1',
  '__proto__', 'constructor', 'toString', '', 'a', 'b', 'c', 'event', 'data', 'id', 'timestamp', 'issue',
  '\\u0031', '\\u0030', '\\u0061', '\\u005f_proto__', '\\ud800', '\\udc00', '\\ud83d\\ude00', '😀', 'a\\nb', '\\"',
];

// Tokens JSON.parse rejects, placed where a value is expected.
const BAD_VALUES = [
  '01', '-01', '00', '-', '.5', '1.', '+1', '1e', '1e+', '-.5', '1.e5', '--1', '2.', '-0.', '0x10', '1_000',
  'NaN', 'Infinity', '-Infinity', 'undefined', 'True', 'nul', 'tru', 'falsy', "'str'",
  '"\\x"', '"\\u12"', '"\\uGHIJ"', '"\\U0041"', '"\\\'"', '"\\a"', '"\\0"', '"\\u{41}"', '"\\ud800\\u12"',
  '"a\tb"', '"a\nb"', '"\u0000"', '"\u001f"', '"\\"', '"abc',
  '[1,]', '{"a":1,}', '{a:1}', '{"a" 1}', '{"a":}', '[1 2]', '{,}', '[,1]', '{"a":1 "b":2}', "{'a':1}",
  '/*c*/1', '1//c', '[1]]', '{}}', '\u00a01', '\u000b1', '\u000c1', '[', '{', ']', '}', ':', ',',
];

export function generateCases(seed, count) {
  const rnd = mulberry32(seed);
  const int = (n) => Math.floor(rnd() * n);
  const pick = (list) => list[int(list.length)];
  const chance = (p) => rnd() < p;

  const ws = () => {
    if (!chance(0.3)) return '';
    let s = '';
    for (let i = 1 + int(3); i > 0; i--) s += pick([' ', ' ', '\t', '\n', '\r', '\r\n']);
    return s;
  };

  const hex4 = (n) => {
    const h = n.toString(16).padStart(4, '0');
    return chance(0.5) ? h : h.toUpperCase();
  };
  const mixCase = (s) => [...s].map((c) => (chance(0.5) ? c.toLowerCase() : c.toUpperCase())).join('');

  const digits = (n, first19) => {
    let s = first19 ? String(1 + int(9)) : '';
    while (s.length < n) s += String(int(10));
    return s;
  };

  const number = () => {
    if (chance(0.4)) return pick(EDGE_NUMBERS);
    let s = chance(0.3) ? '-' : '';
    s += chance(0.2) ? '0' : digits(1 + int(chance(0.3) ? 25 : 8), true);
    if (chance(0.4)) s += '.' + digits(1 + int(chance(0.3) ? 25 : 4), false);
    if (chance(0.3)) {
      s += pick(['e', 'E']) + pick(['', '+', '-']);
      s += chance(0.8) ? String(int(30)) : String(int(400));
    }
    return s;
  };

  // One escape or raw piece of string content, as JSON source text.
  const stringPiece = () => {
    switch (int(12)) {
      case 0:
      case 1:
      case 2: {
        let s = '';
        for (let i = 1 + int(chance(0.1) ? 200 : 12); i > 0; i--) s += PLAIN[int(PLAIN.length)];
        return s;
      }
      case 3: return pick(SHORT_ESCAPES);
      case 4: return '\\u' + hex4(int(0x20)); // control characters
      case 5: return '\\u' + hex4(pick([0x7f, 0x2028, 0x2029, 0x22, 0x5c, 0x2f, 0x41, 0xe9, 0xfeff, 0xfffd, 0xffff, 0x80]));
      case 6: return '\\u' + hex4(int(0xd800)); // any BMP below the surrogates
      case 7: return '\\u' + hex4(0xd800 + int(0x400)); // lone high (unless a low follows)
      case 8: return '\\u' + hex4(0xdc00 + int(0x400)); // lone low (or completes a pair)
      case 9: return '\\u' + hex4(0xd800 + int(0x400)) + '\\u' + hex4(0xdc00 + int(0x400)); // valid pair
      case 10: return pick(RAW_SPECIAL);
      default: return '\\u' + hex4(0xe000 + int(0x2000));
    }
  };

  const string = () => {
    let s = '"';
    for (let i = int(chance(0.2) ? 12 : 4); i > 0; i--) s += stringPiece();
    return s + '"';
  };

  const key = () => (chance(0.8) ? '"' + pick(KEYS) + '"' : string());

  const scalar = () => {
    switch (int(6)) {
      case 0: return pick(['true', 'false', 'null']);
      case 1:
      case 2: return number();
      default: return string();
    }
  };

  // A value; `bad` (a one-element box) plants one invalid token somewhere.
  const value = (depth, bad) => {
    if (bad.left > 0 && chance(0.15)) {
      bad.left--;
      return pick(BAD_VALUES);
    }
    if (depth <= 0 || chance(0.35)) return scalar();
    if (chance(0.5)) {
      const n = int(chance(0.1) ? 12 : 5);
      const items = [];
      for (let i = 0; i < n; i++) items.push(ws() + value(depth - 1, bad) + ws());
      return '[' + (n ? items.join(',') : ws()) + ']';
    }
    const n = int(chance(0.1) ? 20 : 6);
    const members = [];
    for (let i = 0; i < n; i++) members.push(ws() + key() + ws() + ':' + ws() + value(depth - 1, bad) + ws());
    return '{' + (n ? members.join(',') : ws()) + '}';
  };

  // Wraps a value in a chain of arrays/objects, as deep as `levels`.
  const deep = (inner, levels) => {
    let open = '';
    let close = '';
    for (let i = 0; i < levels; i++) {
      if (chance(0.5)) {
        open += '[' + ws();
        close = ws() + ']' + close;
      } else {
        open += '{' + key() + ':';
        close = (chance(0.2) ? ',' + key() + ':' + scalar() : '') + '}' + close;
      }
    }
    return open + inner + close;
  };

  const document = (invalid) => {
    const bad = { left: invalid ? 1 : 0 };
    let text = value(1 + int(5), bad);
    if (chance(0.05)) text = deep(text, 20 + int(180));
    text = ws() + text + ws();
    if (bad.left > 0) text = mutate(text);
    return text;
  };

  // Text-level damage; most results are invalid, some stay valid.
  const mutate = (text) => {
    const at = int(text.length + 1);
    switch (int(9)) {
      case 0: return '\ufeff' + text;
      case 1: return text.slice(0, at); // truncated
      case 2: return text + pick(['x', ' 1', ',', ']', '}', ' null', '\u0000', '//c', '/*c*/']);
      case 3: return text.slice(0, at) + text.slice(at + 1); // one character deleted
      case 4: return text.slice(0, at) + pick([',', '"', '\\', ':', '[', '{', '\u0001', '\n', "'", '0', '-', '.', 'e']) + text.slice(at);
      case 5: return text.replace(/([\]}])/, ',$1'); // trailing comma
      case 6: return text.replace(/(:\s*)(\d)/, '$10$2'); // leading zero
      case 7: return text.replace(/"/g, "'");
      default: return pick(BAD_VALUES);
    }
  };

  const cases = [];
  for (let i = 0; i < count; i++) {
    const text = document(chance(0.45));
    // Slicing can split a surrogate pair; keep texts UTF-8 safe.
    cases.push(text.isWellFormed() ? text : text.toWellFormed());
  }
  return cases;
}
