// Next.js runs register() once when the server starts (not during
// `next build`): check the webhook secret there, so a server without it
// fails at start-up, not on the first delivery (Promptfoo does not retry).
export async function register() {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { Webhook } = await import('promptfoo-webhooks');
    new Webhook(process.env.PROMPTFOO_WEBHOOK_SECRET).dispose(); // throws invalid_secret when unset
  }
}
