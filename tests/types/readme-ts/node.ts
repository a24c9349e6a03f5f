import { createServer } from 'node:http';
import { verify, WebhookVerificationError, STATUS_BY_CODE } from 'promptfoo-webhooks';

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
    if (!(error instanceof WebhookVerificationError)) throw error;
    res.writeHead(STATUS_BY_CODE[error.code] ?? 400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: error.code }));
  }
}).listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
