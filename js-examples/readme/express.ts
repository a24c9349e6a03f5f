// User guide "Express 4 and 5": a receiver on Express with the raw body.
//   PROMPTFOO_WEBHOOK_SECRET=<secret> PORT=3000 node target/js-examples/readme/express.js
// README:begin express
import express from 'express';
import { Webhook, WebhookVerificationError, STATUS_BY_CODE } from 'promptfoo-webhooks';

const webhook = new Webhook(process.env.PROMPTFOO_WEBHOOK_SECRET, { toleranceSeconds: 300 }); // keys prepared once
const app = express();

app.post('/webhooks/promptfoo', express.raw({ type: 'application/json', limit: '5mb' }), (req, res) => {
  try {
    const event = webhook.verify(req.body, req.get('x-promptfoo-signature'));
    res.json({ received: event.event });
  } catch (error) {
    // A refused delivery is answered with its code's status (401, 400, 415, ...), not Express's 500.
    if (!(error instanceof WebhookVerificationError)) throw error;
    res.status(STATUS_BY_CODE[error.code]).json({ error: error.code, message: error.message });
  }
});

app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
// README:end
