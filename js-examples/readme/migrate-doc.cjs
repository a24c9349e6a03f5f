// docs/migration.md: the document's Node sample as published (the region),
// in the Express app it assumes, with express.json() parsing the body. PORT
// picks the port.
const express = require('express');

const app = express();
app.use(express.json());

// README:begin migrate-doc
const crypto = require('crypto');

function verifyWebhookSignature(payload, signature, secret) {
  const expectedSignature = crypto
    .createHmac('sha256', secret)
    .update(JSON.stringify(payload))
    .digest('hex');

  return crypto.timingSafeEqual(Buffer.from(signature), Buffer.from(expectedSignature));
}

// In your webhook handler:
app.post('/webhook-endpoint', (req, res) => {
  const payload = req.body;
  const signature = req.headers['x-promptfoo-signature'];
  const webhookSecret = 'your-webhook-secret';

  if (!verifyWebhookSignature(payload, signature, webhookSecret)) {
    return res.status(401).send('Invalid signature');
  }

  // Process the webhook
  console.log(`Received ${payload.event} event`);
  res.status(200).send('Webhook received');
});
// README:end

app.listen(Number(process.env.PORT), '127.0.0.1');
