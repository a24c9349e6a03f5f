// Seeds the fuzz corpora from the shared test vectors: every valid event
// payload (as sent: JSON.stringify) and every invalid body, so the fuzzer
// starts from real webhook shapes. A seed is named by its content hash, so
// re-running adds nothing twice. Usage: node fuzz/seed-corpus.mjs
import { createHash, createHmac } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const read = (path) => JSON.parse(readFileSync(new URL(path, root), 'utf8'));
/** Must match SECRET in fuzz_targets/verify.rs. */
const VERIFY_SECRET = 'fuzz-secret-0123456789abcdef';
/** verify.rs input modes: header from the input, and the real signature. */
const MODE_HEADER_FROM_INPUT = 0;
const MODE_REAL_SIGNATURE = 1;

const bodies = [
  ...read('tests/vectors/events.json').map((vector) => JSON.stringify(vector.payload)),
  ...read('tests/vectors/invalid-payloads.json').map((vector) => vector.body),
];

function write(target, bytes) {
  const dir = new URL(`fuzz/corpus/${target}/`, root);
  mkdirSync(dir, { recursive: true });
  const name = createHash('sha1').update(bytes).digest('hex');
  writeFileSync(new URL(name, dir), bytes);
}

for (const body of bodies) {
  const bytes = Buffer.from(body);
  write('canonicalize', bytes);
  write('parse_event', bytes);
  write('verify', Buffer.concat([Buffer.from([MODE_REAL_SIGNATURE, 0]), bytes]));
  const header = Buffer.from(createHmac('sha256', VERIFY_SECRET).update(bytes).digest('hex'));
  write('verify', Buffer.concat([Buffer.from([MODE_HEADER_FROM_INPUT, header.length]), header, bytes]));
}
console.log(`[fuzz] seeded ${bodies.length} bodies into fuzz/corpus/{canonicalize,parse_event,verify}`);
