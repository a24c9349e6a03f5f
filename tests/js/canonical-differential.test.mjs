// canonicalize() in the built package (wasm) against V8 itself: for every
// generated text, the package's output must equal
// JSON.stringify(JSON.parse(text)), and it must reject exactly what
// JSON.parse rejects. Set DIFF_SEED to replay a run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalize, WebhookVerificationError } from 'promptfoo-webhooks';
import { generateCases, mulberry32 } from './json-gen.mjs';

const CASES_PER_RUN = 12_000;
const FIXED_SEED = 20240601;
const runSeed = Number(process.env.DIFF_SEED ?? Date.now() % 2 ** 32) >>> 0;

function v8(text) {
  try {
    return { ok: true, out: JSON.stringify(JSON.parse(text)) };
  } catch {
    return { ok: false };
  }
}

function ours(input) {
  try {
    return { ok: true, out: canonicalize(input) };
  } catch (error) {
    assert.ok(error instanceof WebhookVerificationError, `non-library error: ${error}`);
    assert.equal(error.code, 'invalid_json');
    return { ok: false };
  }
}

function agree(text, seed, input = text) {
  const expected = v8(text);
  const got = ours(input);
  if (expected.ok !== got.ok || expected.out !== got.out) {
    assert.fail(
      `seed ${seed} (replay with DIFF_SEED=${seed}): input ${JSON.stringify(text)}\n` +
        `  V8:   ${expected.ok ? JSON.stringify(expected.out) : 'rejects'}\n` +
        `  ours: ${got.ok ? JSON.stringify(got.out) : 'rejects'}`,
    );
  }
  return expected.ok;
}

for (const seed of [FIXED_SEED, runSeed]) {
  test(`generated texts as strings and as UTF-8 bytes agree with V8 (seed ${seed})`, () => {
    let valid = 0;
    const cases = generateCases(seed, CASES_PER_RUN);
    assert.equal(cases.length, CASES_PER_RUN);
    for (const text of cases) {
      if (agree(text, seed)) valid++;
      agree(text, seed, Buffer.from(text, 'utf8'));
    }
    // Both verdicts must be well represented for the run to mean anything.
    assert.ok(valid > CASES_PER_RUN * 0.3 && valid < CASES_PER_RUN * 0.95, `${valid} valid of ${CASES_PER_RUN}`);
  });
}

// A JS string can hold lone surrogates raw, which UTF-8 cannot carry:
// rewrite escapes into raw code units and splice raw ones into strings.
test(`raw lone surrogates in JS strings agree with V8 (seed ${runSeed})`, () => {
  const random = mulberry32(runSeed ^ 0x5eed);
  const surrogate = () => String.fromCharCode(0xd800 + Math.floor(random() * 0x800));
  let checked = 0;
  for (const text of generateCases(runSeed ^ 0xa11ce, 4000)) {
    const rawEscapes = text.replace(/\\u(d[89a-f][0-9a-f]{2})/gi, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
    const spliced = text.replace(/"/g, (quote) => (random() < 0.2 ? quote + surrogate() : quote));
    const outside = random() < 0.5 ? `${surrogate()}${text}` : `[${text},${surrogate()}]`;
    for (const variant of [rawEscapes, spliced, outside]) {
      agree(variant, runSeed);
      checked++;
    }
  }
  assert.equal(checked, 12_000);
});

test('hand-picked texts agree with V8', () => {
  const texts = [
    '{"b":1,"a":2,"1":3,"0":4,"b":5}',
    '{"\\u0031":1,"1":2,"\\u0061":3,"a":4}',
    '{"__proto__":1,"constructor":2,"toString":3}',
    '{"4294967294":1,"4294967295":2,"18446744073709551616":3,"007":4,"7":5}',
    '[0,-0,0.0,-0.0,1e21,1e20,1e-7,1e-6,123e-20,5e-324,1e309,-1e309,9007199254740993]',
    '"\\u0000\\u001f\\u007f\\u0080\\u2028\\u2029\\ufeff\\uffff\\/"',
    '"\\ud83d\\ude00\\ud83d\\ud83d\\ude00\\ude00\\udbff\\udfff"',
    ' \t\n\r[ \t\n\r] \t\n\r',
    `${'['.repeat(32)}{"x":[]}${']'.repeat(32)}`,
    '"' + 'é😀中'.repeat(1000) + '"',
    '{"a":{"b":{"1":{"c":1,"0":2}}},"2":[{"z":1,"y":2,"z":3}]}',
  ];
  const invalid = ['', ' ', '[1,]', '{"a":1,}', '01', '1.', '.5', '+1', '-', 'NaN', 'Infinity', "'a'", '"\t"', '"\\x41"', '"\\u12"', '[1]x', '{"a" 1}', '\ufeff1', 'nul', 'tru', '/* */1', '[', '"abc'];
  // A raw lone surrogate right after a backslash is a bad escape (found by seed 453392778).
  assert.equal(agree('"\\\ud8f7" ', 'hand-picked'), false);
  assert.equal(agree('"\\\\\ud8f7"', 'hand-picked'), true);
  for (const text of texts) assert.equal(agree(text, 'hand-picked'), true, text);
  for (const text of invalid) assert.equal(agree(text, 'hand-picked'), false, JSON.stringify(text));
});

test('deep nesting V8 can stringify is canonicalized the same', () => {
  for (const depth of [100, 511, 1000, 2000]) {
    const text = '['.repeat(depth) + '{"b":1,"a":[0]}' + ']'.repeat(depth);
    assert.equal(agree(text, `depth ${depth}`), true);
  }
});
