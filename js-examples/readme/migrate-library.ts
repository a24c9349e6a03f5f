// docs/migration.md: the same handler with this library. PORT picks the port.
import express from 'express';

const app = express();

// README:begin migrate-library
import { Webhook, WebhookVerificationError, STATUS_BY_CODE } from 'promptfoo-webhooks';
import type { VerifiedEvent } from 'promptfoo-webhooks';

// Created once. During a rotation both secrets verify.
const secrets = [process.env.PROMPTFOO_WEBHOOK_SECRET, process.env.PROMPTFOO_WEBHOOK_SECRET_OLD].filter(Boolean);
const webhook = new Webhook(secrets, { toleranceSeconds: 300 });

// In your webhook handler: the raw bytes (express.raw on this route, before any express.json())
app.post('/webhook-endpoint', express.raw({ type: 'application/json', limit: '5mb' }), (req, res) => {
  let payload: VerifiedEvent;
  try {
    payload = webhook.verify(req.body, req.headers['x-promptfoo-signature']);
  } catch (error) {
    if (!(error instanceof WebhookVerificationError)) throw error;
    return res.status(STATUS_BY_CODE[error.code] ?? 400).send(error.code);
  }

  // Process the webhook: payload is typed (payload.data.issue on issue.* events)
  console.log(`Received ${payload.event} event`);
  res.status(200).send('Webhook received');
});
// README:end

app.listen(Number(process.env.PORT), '127.0.0.1');
