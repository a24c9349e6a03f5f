// docs/guide-extras.md "Verifying by hand": a receiver on node:http with verify().
//   PROMPTFOO_WEBHOOK_SECRET=<secret> PORT=3000 node target/js-examples/readme/node.js
// tests/js/readme.test.mjs checks that the region below is the document's block
// byte for byte, and runs this file against signed deliveries.
// README:begin node
import { createServer } from 'node:http';
import { verify, WebhookVerificationError, STATUS_BY_CODE } from 'promptfoo-webhooks';
// or: const { verify } = require('promptfoo-webhooks');

// Several secrets during a rotation: any of them may match.
const secrets = [process.env.PROMPTFOO_WEBHOOK_SECRET, process.env.PROMPTFOO_WEBHOOK_SECRET_OLD].filter(Boolean);

createServer(async (req, res) => {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk); // the exact bytes received, unparsed
  try {
    const event = verify(Buffer.concat(chunks), req.headers['x-promptfoo-signature'], secrets, { toleranceSeconds: 300 });
    switch (event.event) {
      case 'issue.created':
        console.log('new issue', event.data.issue.id, event.data.issue.severity);
        break;
      case 'issue.updated':
        console.log(event.data.eventData.changes, 'by', event.data.userId);
        break;
    }
    res.writeHead(200).end();
  } catch (error) {
    // error.code: 'signature_mismatch', 'body_too_large', ...; error.hint says what to do
    const code = error instanceof WebhookVerificationError ? error.code : undefined;
    res.writeHead(code ? (STATUS_BY_CODE[code] ?? 400) : 500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: code }));
  }
}).listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
// README:end
