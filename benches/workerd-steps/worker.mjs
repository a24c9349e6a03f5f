// The Request path in workerd, built up one step at a time from the
// hand-written one (arrayBuffer + subtle.verify + JSON.parse) to
// Webhook.verifyRequest, so that benches/workerd-steps.mjs can pair each
// step with the hand-written path and say where the time goes. Served as
// benches/runtimes/routes.mjs says; the first contender is the hand-written path.
import * as pkg from 'promptfoo-webhooks';
import { payloadOfSize } from '../payloads.mjs';
import { hexBytes, SECRET } from '../runtimes/contenders.mjs';
import { benchRoutes } from '../runtimes/routes.mjs';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
// What the package defines on each event (pkg/src/verify/pipeline.js).
const SECRET_INDEX = Object.freeze({ value: 0, enumerable: false, configurable: true });

async function stepsFor(size) {
  const bytes = encoder.encode(payloadOfSize(size));
  const signature = pkg.sign(bytes, SECRET);
  const headers = { 'content-type': 'application/json', 'content-length': String(bytes.byteLength), 'x-promptfoo-signature': signature };
  const request = () => new Request('http://127.0.0.1/hook', { method: 'POST', body: bytes, headers });
  const key = await crypto.subtle.importKey('raw', encoder.encode(SECRET), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
  const webhook = new pkg.Webhook(SECRET, { maxBodyBytes: 2 * 1024 * 1024 });
  const handler = pkg.createFetchHandler(SECRET, { maxBodyBytes: 2 * 1024 * 1024, logger: false });

  /** The body read whole, then `check(body, signature)`: whether the delivery verified. */
  const fromRequest = (check) => async () => {
    const req = request();
    const body = new Uint8Array(await req.arrayBuffer());
    return check(body, req.headers.get('x-promptfoo-signature'));
  };
  const bySignature = (verifyAsync, parse) =>
    fromRequest(async (body, header) => (await verifyAsync(body, header)) && parse(body).event !== undefined);
  const handVerify = (body, header) => crypto.subtle.verify('HMAC', key, hexBytes(header), body);
  const ourVerify = (body, header) => pkg.verifySignatureAsync(body, header, SECRET);
  const handParse = (body) => JSON.parse(decoder.decode(body));

  const steps = [
    ['hand', bySignature(handVerify, handParse)],
    // The control: the same as `hand`, measured as a step is.
    ['control', bySignature(handVerify, handParse)],
    ['+ our signature check', bySignature(ourVerify, handParse)],
    ['+ parseEvent (schema check)', bySignature(ourVerify, (body) => pkg.parseEvent(body))],
    [
      '+ secretIndex',
      bySignature(ourVerify, (body) => {
        const event = pkg.parseEvent(body);
        Reflect.defineProperty(event, 'secretIndex', SECRET_INDEX);
        return event;
      }),
    ],
    [
      '+ Content-Length read',
      async () => {
        const req = request();
        // What verifyRequest reads to bound the body: a header read is a call into the runtime.
        if (!(Number(req.headers.get('content-length')) <= 2 * 1024 * 1024)) return false;
        const body = new Uint8Array(await req.arrayBuffer());
        if (!(await ourVerify(body, req.headers.get('x-promptfoo-signature')))) return false;
        const event = pkg.parseEvent(body);
        Reflect.defineProperty(event, 'secretIndex', SECRET_INDEX);
        return event.event !== undefined;
      },
    ],
    ['verifyRequest', async () => (await webhook.verifyRequest(request())).event !== undefined],
    // A Worker's whole answer: the hand-written path with Response.json, then the package's handler.
    [
      'by hand + Response.json',
      async () => (await bySignature(handVerify, handParse)()) && Response.json({ received: true }).status === 200,
    ],
    ['createFetchHandler', async () => (await handler(request())).status === 200],
  ];
  return steps.map(([name, run]) => ({ name, async: true, run }));
}

const bySize = new Map();

async function listFor(size) {
  if (!bySize.has(size)) bySize.set(size, await stepsFor(size));
  return bySize.get(size);
}

export default benchRoutes(listFor);
