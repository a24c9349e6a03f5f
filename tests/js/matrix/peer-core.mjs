// What every JavaScript peer of the matrix does, whatever runtime hosts it:
// build and sign the vectors, or verify deliveries, with the library it is
// handed (`lib`, the package as that runtime imported it). Input and output
// are JSON lines. No imports: it runs unchanged in Node, Deno, Bun, workerd
// and Chromium. The Rust peer (crates/dev-tools/src/bin/matrix_peer.rs) does the same.

/** Runs `mode` ('build' or 'verify') over JSON lines and returns JSON lines. */
export function runPeer(lib, mode, input) {
  const records = input.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line));
  const run = { build: buildDeliveries, verify: verifyDeliveries }[mode];
  if (!run) throw new Error(`unknown mode ${JSON.stringify(mode)} (build or verify)`);
  return run(lib, records).map((record) => `${JSON.stringify(record)}\n`).join('');
}

/** Each vector built and signed: `{ name, body, signature }`. */
export function buildDeliveries(lib, vectors) {
  return vectors.map((vector) => {
    let body;
    let signature;
    if (vector.text !== undefined) {
      body = vector.text;
      signature = lib.sign(body, vector.signWith);
    } else {
      const signed = lib.signPayload(JSON.parse(vector.json), vector.signWith);
      body = signed.body;
      signature = signed.headers[lib.SIGNATURE_HEADER];
      // The tools module (loaded on first use) in every runtime: JSON.stringify's output is canonical.
      if (lib.canonicalize(body) !== body) throw new Error(`${vector.name}: canonicalize changed JSON.stringify's output`);
    }
    if (vector.tamper) body = replaceFirst(body, vector.tamper.replace, vector.tamper.with);
    if (vector.signature === 'sha256-prefix') signature = `sha256=${signature}`;
    if (vector.signature === 'upper-case') signature = signature.toUpperCase();
    return { name: vector.name, body, signature };
  });
}

function replaceFirst(text, search, replacement) {
  const at = text.indexOf(search);
  return at < 0 ? text : text.slice(0, at) + replacement + text.slice(at + search.length);
}

/**
 * Each delivery verified over its UTF-8 bytes, as a receiver gets them:
 * `{ builder, name, outcome: 'accept', event, secretIndex }`,
 * `{ builder, name, outcome: 'reject', code }`, or `outcome: 'error'` for
 * anything that is not a WebhookVerificationError.
 */
export function verifyDeliveries(lib, deliveries) {
  const encoder = new TextEncoder();
  return deliveries.map(({ builder, name, body, signature, verifyWith, toleranceSeconds, now }) => {
    const options = toleranceSeconds === undefined ? undefined : { toleranceSeconds, now };
    try {
      const event = lib.verify(encoder.encode(body), signature, verifyWith, options);
      return { builder, name, outcome: 'accept', event: event.event, secretIndex: event.secretIndex };
    } catch (error) {
      if (error instanceof lib.WebhookVerificationError) return { builder, name, outcome: 'reject', code: error.code };
      return { builder, name, outcome: 'error', message: String(error?.stack ?? error) };
    }
  });
}
