// The Next.js recipe's route module has the shape Next calls: POST with a
// NextRequest and the route's context (what `next build` checks of a
// route.ts); the recipe itself (js-examples/nextjs/) imports nothing of Next.
import type { NextRequest } from 'next/server.js'; // next has no exports map: nodenext needs the file
import { POST, runtime } from '../../../js-examples/nextjs/app/webhooks/promptfoo/route.js';

const handler: (request: NextRequest, context: { params: Promise<{}> }) => Promise<Response> = POST;
const runtimes: ReadonlyArray<'nodejs' | 'edge'> = [runtime];
export { handler, runtimes };
