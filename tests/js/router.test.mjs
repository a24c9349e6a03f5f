// The Webhooks router: which handlers an event reaches (names, onAny,
// severity and change filters), and what happens when handlers fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateSecret, signPayload, Webhooks, WebhookHandlerError, WebhookVerificationError } from 'promptfoo-webhooks';
import { sampleEvents } from '../../js-examples/sender.mjs';

const SECRET = generateSecret();
const [CREATED, UPDATED, STATUS_CHANGED, SEVERITY_CHANGED, COMMENT, , , , , ARCHIVED] = sampleEvents(
  Date.parse('2025-03-14T12:34:56.000Z'),
);

/** A router whose handlers record `label event-name` into `log`. */
function recordingRouter() {
  const log = [];
  const webhooks = new Webhooks({ secret: SECRET });
  const record = (label) => (event) => void log.push(`${label} ${event.event}`);
  return { webhooks, log, record };
}

const withSeverity = (event, severity) => ({ ...event, data: { ...event.data, issue: { ...event.data.issue, severity } } });

test('on(name), on(names) and onAny receive what they asked for, in registration order', async () => {
  const { webhooks, log, record } = recordingRouter();
  webhooks.on('issue.created', record('created'));
  webhooks.onAny(record('any'));
  webhooks.on(['issue.updated', 'issue.status_changed'], record('changes'));

  for (const event of [CREATED, UPDATED, STATUS_CHANGED, COMMENT]) await webhooks.receive(event);
  assert.deepEqual(log, [
    'created issue.created',
    'any issue.created',
    'any issue.updated',
    'changes issue.updated',
    'any issue.status_changed',
    'changes issue.status_changed',
    'any issue.comment_added',
  ]);
});

test('an event name this version does not know reaches onUnknown and onAny, never a named handler', async () => {
  const { webhooks, log, record } = recordingRouter();
  webhooks.on('issue.created', record('created'));
  webhooks.onUnknown(record('unknown'));
  webhooks.onAny(record('any'));
  const { body, headers } = signPayload(ARCHIVED, SECRET);
  const event = await webhooks.verifyAndReceive({ body, signature: headers['X-Promptfoo-Signature'] });
  assert.equal(event.event, 'issue.archived');
  assert.deepEqual(event.data, ARCHIVED.data);
  assert.deepEqual(log, ['unknown issue.archived', 'any issue.archived']);
  // A known event does not reach onUnknown.
  log.length = 0;
  await webhooks.receive(CREATED);
  assert.deepEqual(log, ['created issue.created', 'any issue.created']);
});

test('a name or severity this version does not know is refused at registration: a typo would never match', () => {
  const { webhooks } = recordingRouter();
  assert.throws(() => webhooks.on('issue.craeted', () => {}), { code: 'invalid_options', message: /unknown event name 'issue\.craeted'.*onUnknown/ });
  assert.throws(() => webhooks.on(['issue.created', 'issue.archived'], () => {}), { code: 'invalid_options' });
  assert.throws(() => webhooks.on('issue.created', () => {}, { severity: 'hgih' }), { code: 'invalid_options', message: /unknown severity 'hgih'/ });
  assert.throws(() => webhooks.on('issue.created', () => {}, { severity: ['high', 'urgent'] }), { code: 'invalid_options' });
});

test('off and removeListener remove a handler from the names given; * from onAny and onUnknown', async () => {
  const { webhooks, log, record } = recordingRouter();
  const created = record('created');
  const any = record('any');
  const other = record('other');
  webhooks.on(['issue.created', 'issue.updated'], created).on('issue.created', other).onAny(any).onUnknown(any);
  webhooks.off('issue.created', created);
  await webhooks.receive(CREATED);
  await webhooks.receive(UPDATED);
  assert.deepEqual(log, ['other issue.created', 'any issue.created', 'created issue.updated', 'any issue.updated']);
  log.length = 0;
  webhooks.removeListener(['issue.updated', '*'], created).off('*', any);
  await webhooks.receive(UPDATED);
  await webhooks.receive(ARCHIVED);
  assert.deepEqual(log, []);
});

test('severity filter: one value or several; events without an issue never match', async () => {
  const { webhooks, log, record } = recordingRouter();
  webhooks.on(['issue.created', 'evaluation.failed'], record('urgent'), { severity: ['critical', 'high'] });
  webhooks.on('issue.created', record('low'), { severity: 'low' });

  await webhooks.receive(withSeverity(CREATED, 'critical'));
  await webhooks.receive(withSeverity(CREATED, 'high'));
  await webhooks.receive(withSeverity(CREATED, 'medium'));
  await webhooks.receive(withSeverity(CREATED, 'low'));
  await webhooks.receive(sampleEvents()[8]); // evaluation.failed: no data.issue
  assert.deepEqual(log, ['urgent issue.created', 'urgent issue.created', 'low issue.created']);
});

test('change filter: exact strings, RegExps (a `g` flag is harmless), arrays; combined with severity', async () => {
  const { webhooks, log, record } = recordingRouter();
  const names = ['issue.updated', 'issue.status_changed', 'issue.severity_changed', 'issue.created'];
  webhooks.on(names, record('fixed'), { change: 'status changed to fixed' });
  webhooks.on(names, record('severity'), { change: /^severity changed/g });
  webhooks.on(names, record('either'), { change: ['nothing like this', /to low$/] });
  webhooks.on(names, record('fixed+high'), { change: 'status changed to fixed', severity: 'high' });

  await webhooks.receive(UPDATED); // status changed to fixed, severity changed to low; the issue is now low
  await webhooks.receive(STATUS_CHANGED); // status changed to fixed; the issue is still high
  await webhooks.receive(SEVERITY_CHANGED); // severity changed to low
  await webhooks.receive(SEVERITY_CHANGED); // the `g` RegExp matches again
  await webhooks.receive(CREATED); // no changes at all
  assert.deepEqual(log, [
    'fixed issue.updated',
    'severity issue.updated',
    'either issue.updated',
    'fixed issue.status_changed',
    'fixed+high issue.status_changed',
    'severity issue.severity_changed',
    'either issue.severity_changed',
    'severity issue.severity_changed',
    'either issue.severity_changed',
  ]);
});

test('handler errors: every handler still runs, onError gets one WebhookHandlerError, and it is thrown', async () => {
  const { webhooks, log, record } = recordingRouter();
  const seen = [];
  webhooks.on('issue.created', () => {
    throw new Error('first');
  });
  webhooks.on('issue.created', async () => {
    throw new TypeError('second');
  });
  webhooks.onAny(record('any'));
  webhooks.onError((error) => seen.push(error));
  webhooks.onError(() => {
    throw new Error('an onError handler that fails changes nothing');
  });

  const rejection = await webhooks.receive(CREATED).then(
    () => assert.fail('expected a rejection'),
    (error) => error,
  );
  assert.ok(rejection instanceof WebhookHandlerError);
  assert.ok(rejection instanceof AggregateError);
  assert.deepEqual(rejection.errors.map((e) => e.message), ['first', 'second']);
  assert.equal(rejection.event, CREATED);
  assert.match(rejection.message, /2 handlers failed for issue\.created: first/);
  assert.deepEqual(seen, [rejection]);
  assert.deepEqual(log, ['any issue.created']);
});

test('verifyAndReceive: a bad delivery throws WebhookVerificationError and runs no handler', async () => {
  const { webhooks, log, record } = recordingRouter();
  webhooks.onAny(record('any'));
  let errors = 0;
  webhooks.onError(() => errors++);
  const { body, headers } = signPayload(CREATED, SECRET);
  await assert.rejects(webhooks.verifyAndReceive({ body: body.replace('"high"', '"low"'), signature: headers['X-Promptfoo-Signature'] }), {
    name: 'WebhookVerificationError',
    code: 'signature_mismatch',
  });
  await assert.rejects(webhooks.verifyAndReceive({ body }), (error) => error instanceof WebhookVerificationError && error.code === 'missing_signature');
  assert.deepEqual(log, []);
  assert.equal(errors, 0, 'onError is for handler failures only');

  const event = await webhooks.verifyAndReceive({ body, signature: headers['X-Promptfoo-Signature'] });
  assert.equal(event.secretIndex, 0);
  assert.deepEqual(log, ['any issue.created']);
});

test('a secret function is called once, with the env of the first delivery', async () => {
  let calls = 0;
  const webhooks = new Webhooks({
    secret: (env) => {
      calls++;
      return [env.NEW_SECRET, env.OLD_SECRET];
    },
  });
  const old = generateSecret();
  const env = { NEW_SECRET: SECRET, OLD_SECRET: old };
  for (const secret of [SECRET, old]) {
    const { body, headers } = signPayload(CREATED, secret);
    const event = await webhooks.verifyAndReceive({ body, signature: headers['X-Promptfoo-Signature'], env });
    assert.equal(event.secretIndex, secret === SECRET ? 0 : 1);
  }
  assert.equal(calls, 1);
});

test('bad arguments are refused where they are given', async () => {
  const webhooks = new Webhooks({ secret: SECRET });
  assert.throws(() => new Webhooks(SECRET), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => new Webhooks({ secret: '' }), { code: 'invalid_secret' });
  assert.throws(() => new Webhooks({ secret: SECRET, maxBodyByte: 1 }), { code: 'invalid_options' });
  assert.throws(() => webhooks.on([], () => {}), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => webhooks.on('issue.created'), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => webhooks.on('issue.created', () => {}, { severities: 'high' }), { code: 'invalid_options' });
  assert.throws(() => webhooks.on('issue.created', () => {}, { change: 42 }), { code: 'ERR_INVALID_ARG_TYPE' });
  await assert.rejects(webhooks.receive({ name: 'issue.created' }), { code: 'ERR_INVALID_ARG_TYPE' });
});
