import { createServer } from 'node:http';
import { createNodeMiddleware } from 'promptfoo-webhooks';

const receive = createNodeMiddleware(process.env.PROMPTFOO_WEBHOOK_SECRET, {
  toleranceSeconds: 300, // refuse replays of payloads older (or newer) than 5 minutes
  onEvent: (event) => console.log(event.event, event.data), // typed: switch on event.event
});

createServer(receive).listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
