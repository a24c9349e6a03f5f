// Which framework parsed a request's body before the Node middleware saw
// it, told from what each leaves on the request, so that the 500
// parsed_body_mismatch hints at that framework's own fix (its recipe in the
// README). A framework not recognised gets a hint that names none.
//
//   Next.js (pages/api)  its API resolver defines req.previewData and req.draftMode
//   Fastify              its server's request listener, preRouting
//   Express, body-parser req.app is the Express application (app.handle)
//   Koa                  its server's request listener, handleRequest, and the 404 Koa answers until a status is set
//
// Only the error path reads these, each guarded: a request that throws on
// being looked at is a request of an unknown framework.

const ALLOW_PARSED = 'or pass allowParsedBody: true to verify JSON.stringify of the parsed body.';

const PARSERS = {
  // The contract's hint for the code is Express's: the mistake's usual form.
  express: { name: 'express.json() or body-parser', hint: undefined },
  fastify: {
    name: "Fastify's JSON parser",
    hint:
      "Fastify's JSON parser ran before the webhook: register the webhook route in a scope of its own whose content-type parser keeps the bytes, " +
      "webhook.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => done(null, body)), " +
      `and hand the middleware request.raw with that Buffer as its body; ${ALLOW_PARSED}`,
  },
  koa: {
    name: 'a Koa body parser',
    hint:
      'A Koa body parser (koa-bodyparser, @koa/bodyparser) ran before the webhook: app.use() the webhook middleware before the parser, ' +
      `or keep the parser off the webhook's path; ${ALLOW_PARSED}`,
  },
  next: {
    name: "Next.js's API route body parser",
    hint:
      'Next.js parsed the body of this API route (pages/api): turn its parser off there with ' +
      'export const config = { api: { bodyParser: false } }, or serve the webhook from an App Router route handler with createFetchHandler; ' +
      ALLOW_PARSED,
  },
  unknown: {
    name: undefined,
    hint:
      'A body parser ran before the webhook (req.body is a parsed object): run the webhook before any JSON body parser, ' +
      `or hand the middleware the raw bytes as req.body (a Buffer or a string); ${ALLOW_PARSED}`,
  },
};

/** `{ detail, hint }` for a req.body already parsed: the detail names the parser when it is known; `hint` undefined is the contract's. */
export function parsedBodyDiagnosis(req, res) {
  const { name, hint } = PARSERS[frameworkOf(req, res)];
  const by = name === undefined ? 'a JSON body parser' : `a JSON body parser (${name})`;
  return { detail: `req.body was already parsed by ${by}`, hint };
}

/** 'next', 'fastify', 'express', 'koa' or 'unknown'. */
function frameworkOf(req, res) {
  try {
    if (Object.hasOwn(req, 'previewData') && Object.hasOwn(req, 'draftMode')) return 'next';
    if (typeof req.app?.handle === 'function') return 'express';
    const listener = req.socket?.server?.listeners?.('request')[0]?.name;
    if (listener === 'preRouting') return 'fastify';
    if (listener === 'handleRequest' && res?.statusCode === 404) return 'koa';
  } catch {
    // A request that throws when looked at: no framework we know.
  }
  return 'unknown';
}
