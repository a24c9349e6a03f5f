// User guide "Quick start": the package's Node middleware is the whole receiver.
//   PROMPTFOO_WEBHOOK_SECRET=<secret> PORT=3000 node target/js-examples/readme/quickstart.js
// tests/js/readme.test.mjs checks that the region below is the guide's block
// byte for byte, and runs this file against signed deliveries.
// README:begin quickstart
import { createServer } from 'node:http';
import { createNodeMiddleware } from 'promptfoo-webhooks';

const receive = createNodeMiddleware(process.env.PROMPTFOO_WEBHOOK_SECRET, {
  toleranceSeconds: 300, // refuse replays of payloads older (or newer) than 5 minutes
  onEvent: (event) => console.log(event.event, event.data), // typed: switch on event.event
});

createServer(receive).listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
// README:end
