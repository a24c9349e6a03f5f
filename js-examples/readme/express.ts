// README "Express": a receiver on Express 5 with the raw body.
//   PROMPTFOO_WEBHOOK_SECRET=<secret> PORT=3000 node target/js-examples/readme/express.js
// README:begin express
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { Webhook, WebhookVerificationError, STATUS_BY_CODE } from 'promptfoo-webhooks';

const webhook = new Webhook(process.env.PROMPTFOO_WEBHOOK_SECRET, { toleranceSeconds: 300 }); // keys prepared once
const app = express();

app.post('/webhooks/promptfoo', express.raw({ type: 'application/json', limit: '5mb' }), (req, res) => {
  const event = webhook.verify(req.body, req.get('x-promptfoo-signature'));
  res.json({ received: event.event });
});

// Express 5 hands what a route throws to the error handler: answer 401/400/415 with the code, not 500.
app.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
  if (!(error instanceof WebhookVerificationError)) return next(error);
  res.status(STATUS_BY_CODE[error.code] ?? 400).json({ error: error.code, message: error.message });
});

app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
// README:end
