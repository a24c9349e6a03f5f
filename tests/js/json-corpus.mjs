// Prints V8's verdict on generated JSON texts, one record per line:
//   base64(utf8 input) \t OK \t base64(utf8 JSON.stringify(JSON.parse(input)))
//   base64(utf8 input) \t ERR
// Usage: node tests/js/json-corpus.mjs <seed> <count>
import { generateCases } from './json-gen.mjs';

const [seedArg, countArg] = process.argv.slice(2);
const seed = Number.parseInt(seedArg ?? '1', 10) >>> 0;
const count = Number.parseInt(countArg ?? '1000', 10);
if (!Number.isFinite(count) || count < 0) {
  console.error('usage: node tests/js/json-corpus.mjs <seed> <count>');
  process.exit(2);
}

const b64 = (s) => Buffer.from(s, 'utf8').toString('base64');
const lines = [];
for (const text of generateCases(seed, count)) {
  let expected;
  try {
    expected = JSON.stringify(JSON.parse(text));
  } catch {
    lines.push(`${b64(text)}\tERR`);
    continue;
  }
  lines.push(`${b64(text)}\tOK\t${b64(expected)}`);
}
process.stdout.write(lines.join('\n') + '\n');
