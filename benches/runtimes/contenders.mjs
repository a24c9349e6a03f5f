// What benches/runtimes.mjs measures in every runtime: the package's raw,
// typed and Request paths, and the same work written by hand with the
// runtime's own HMAC. Runtime-neutral: Node, Deno and Bun import it
// (process.mjs), the Worker (worker.mjs) and the page (page.mjs) bundle it.
import { payloadOfSize } from '../payloads.mjs';

export const SECRET = 'whsec-bench-0123456789abcdef';
/** The body limit of every contender that bounds its read (the 1 MB bodies fit). */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

/**
 * The contenders for bodies of `size` bytes.
 *
 * @param pkg the package as the runtime loads it
 * @param node `{ crypto, Buffer }` where the runtime has Node's builtins, else undefined
 * @param subtle WebCrypto's `crypto.subtle`
 * @param best 'node:crypto' or 'WebCrypto': the runtime's best hand-written HMAC, the baseline
 * @param withoutLength also the rows of a Request that declares no Content-Length (chunked), where a runtime's Request body is a byte stream
 * @returns [{ name, op, baseline, async, run }]; `run()` verifies one delivery and returns whether it passed
 */
export async function contenders({ pkg, node, subtle, best, size, withoutLength = false }) {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const bytes = encoder.encode(payloadOfSize(size));
  const signature = pkg.sign(bytes, SECRET);
  const headers = { 'content-type': 'application/json', 'content-length': String(bytes.byteLength), 'x-promptfoo-signature': signature };
  // A delivery as the runtime's HTTP server hands it over: a fresh Request each time.
  const request = () => new Request('http://127.0.0.1/hook', { method: 'POST', body: bytes, headers });
  // The same delivery as a chunked one arrives: no Content-Length, so a bounded read cannot size its buffer.
  const { 'content-length': _, ...headersWithoutLength } = headers;
  const requestWithoutLength = () => new Request('http://127.0.0.1/hook', { method: 'POST', body: bytes, headers: headersWithoutLength });

  // By hand: what a careful developer writes with the runtime's HMAC,
  // decoding the header each time, as a receiver must.
  const hand = {};
  if (node !== undefined) {
    const key = node.Buffer.from(SECRET);
    hand['node:crypto'] = (body, hex) => {
      const expected = node.Buffer.from(hex, 'hex');
      const mac = node.crypto.createHmac('sha256', key).update(body).digest();
      return expected.length === mac.length && node.crypto.timingSafeEqual(mac, expected);
    };
  }
  const cryptoKey = await subtle.importKey('raw', encoder.encode(SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  hand.WebCrypto = (body, hex) => subtle.verify('HMAC', cryptoKey, hexBytes(hex), body);
  const bestHmac = hand[best];
  const bestIsAsync = best === 'WebCrypto';

  /**
   * A Request's body read whole, its signature checked, then `parse`d:
   * whether it verified. `bounded`: a declared length over the limit is
   * refused unread, as verifyRequest's bounded read does.
   */
  const handRequest = async (parse = (body) => JSON.parse(decoder.decode(body)), bounded = false) => {
    const req = request();
    if (bounded && !(Number(req.headers.get('content-length')) <= MAX_BODY_BYTES)) return false;
    const body = new Uint8Array(await req.arrayBuffer());
    const ok = await bestHmac(body, req.headers.get('x-promptfoo-signature'));
    return ok && parse(body).event !== undefined;
  };

  const webhook = new pkg.Webhook(SECRET, { maxBodyBytes: MAX_BODY_BYTES });
  const handler = pkg.createFetchHandler(SECRET, { maxBodyBytes: MAX_BODY_BYTES, logger: false });

  // A Request without Content-Length, against the bounded hand-written read
  // of the same Request with its length: what a receiver pays when a sender
  // or a proxy drops the length.
  const withoutLengthOp = 'request, no Content-Length';
  const withoutLengthRows = [
    {
      name: `by hand, bounded, the same request with its Content-Length: arrayBuffer + ${best} + JSON.parse`,
      op: withoutLengthOp,
      baseline: true,
      async: true,
      run: () => handRequest(undefined, true),
    },
    { name: 'control: the bounded by-hand row again', op: withoutLengthOp, async: true, run: () => handRequest(undefined, true) },
    {
      name: 'Webhook.verifyRequest(Request without Content-Length)',
      op: withoutLengthOp,
      async: true,
      run: async () => (await webhook.verifyRequest(requestWithoutLength())).event !== undefined,
    },
    {
      name: 'createFetchHandler(Request without Content-Length) -> Response',
      op: 'handler',
      async: true,
      run: async () => (await handler(requestWithoutLength())).status === 200,
    },
  ];

  const list = [
    // raw: the signature alone
    ...(node !== undefined
      ? [{ name: 'by hand: node:crypto createHmac + timingSafeEqual', op: 'raw', baseline: best === 'node:crypto', async: false, run: () => hand['node:crypto'](bytes, signature) }]
      : []),
    { name: 'by hand: WebCrypto subtle.verify (key imported once)', op: 'raw', baseline: best === 'WebCrypto', async: true, run: () => hand.WebCrypto(bytes, signature) },
    { name: 'verifySignature (sync)', op: 'raw', async: false, run: () => pkg.verifySignature(bytes, signature, SECRET) },
    { name: 'verifySignatureAsync', op: 'raw', async: true, run: () => pkg.verifySignatureAsync(bytes, signature, SECRET) },
    // typed: signature, then the parsed payload
    {
      name: `by hand: ${best} + JSON.parse`,
      op: 'typed',
      baseline: true,
      async: bestIsAsync,
      run: bestIsAsync
        ? async () => (await bestHmac(bytes, signature)) && JSON.parse(decoder.decode(bytes)).event !== undefined
        : () => bestHmac(bytes, signature) && JSON.parse(decoder.decode(bytes)).event !== undefined,
    },
    { name: 'Webhook.verify (typed, sync)', op: 'typed', async: false, run: () => webhook.verify(bytes, signature).event !== undefined },
    // request: a Fetch API Request in, the payload out
    {
      name: `by hand: arrayBuffer + ${best} + JSON.parse`,
      op: 'request',
      baseline: true,
      async: true,
      run: () => handRequest(),
    },
    // The noise floor: the baseline again under another name, measured as every other row is.
    { name: 'control: the by-hand row again', op: 'request', async: true, run: () => handRequest() },
    // The same with the one read a bounded body needs (verifyRequest's promise), which the baseline skips.
    {
      name: `by hand, bounded: Content-Length + arrayBuffer + ${best} + JSON.parse`,
      op: 'request',
      async: true,
      run: () => handRequest(undefined, true),
    },
    // Where the rest of the gap goes: the same by hand, with the package's schema check (parseEvent) for JSON.parse.
    {
      name: `by hand: arrayBuffer + ${best} + parseEvent`,
      op: 'request',
      async: true,
      run: () => handRequest((body) => pkg.parseEvent(body)),
    },
    { name: 'Webhook.verifyRequest(Request)', op: 'request', async: true, run: async () => (await webhook.verifyRequest(request())).event !== undefined },
    // handler: a Request in, a Response out, as a Worker's fetch does
    {
      name: `by hand: arrayBuffer + ${best} + JSON.parse + Response.json`,
      op: 'handler',
      baseline: true,
      async: true,
      run: async () => ((await handRequest()) ? Response.json({ received: true }) : Response.json({ error: 'signature_mismatch' }, { status: 401 })).status === 200,
    },
    { name: 'createFetchHandler(Request) -> Response', op: 'handler', async: true, run: async () => (await handler(request())).status === 200 },
    ...(withoutLength ? withoutLengthRows : []),
  ];
  return list.map((c) => ({ baseline: false, ...c }));
}

/** The 32 bytes of a 64-digit hex signature (junk decodes to bytes that fail to verify). */
export function hexBytes(hex) {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Runs `contender` `iterations` times; throws if any delivery failed (a benchmark of errors measures nothing). */
export async function runBatch(contender, iterations) {
  let passed = 0;
  if (contender.async) {
    for (let i = 0; i < iterations; i++) if (await contender.run()) passed += 1;
  } else {
    for (let i = 0; i < iterations; i++) if (contender.run()) passed += 1;
  }
  if (passed !== iterations) throw new Error(`${contender.name}: ${iterations - passed} of ${iterations} deliveries failed`);
}

/** Operations per second over about `sliceMs`, timed in-process with `now()` (milliseconds). */
export async function opsPerSecond(contender, sliceMs, now) {
  let batch = 1;
  let iterations = 0;
  const start = now();
  let elapsed = 0;
  while (elapsed < sliceMs) {
    await runBatch(contender, batch);
    iterations += batch;
    elapsed = now() - start;
    // Batches of about a millisecond: the clock is read rarely, and coarse clocks still resolve.
    if (elapsed < 1) batch *= 2;
  }
  return (iterations * 1000) / elapsed;
}

/**
 * Rounds of measurements, each contender paired with the baseline of its
 * operation measured just before it (or, every other round, just after):
 * the two figures of a ratio are taken moments apart, so a noisy machine
 * moves both. Each round starts with another contender. `measure(contender)`
 * resolves to operations per second; `list` holds { name, op, baseline }.
 */
export async function pairedRounds(list, rounds, measure) {
  const samples = [];
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < list.length; i++) {
      const contender = list[(i + round) % list.length];
      const base = list.find((c) => c.baseline && c.op === contender.op);
      let ops;
      let baseOps;
      if (contender === base) {
        ops = baseOps = await measure(contender);
      } else if (round % 2 === 0) {
        baseOps = await measure(base);
        ops = await measure(contender);
      } else {
        ops = await measure(contender);
        baseOps = await measure(base);
      }
      samples.push({ round, name: contender.name, op: contender.op, baseline: contender === base, ops, baseOps });
    }
  }
  return samples;
}
