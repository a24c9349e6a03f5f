// The schema check of a JS payload by the core (src/wasm/verify.rs,
// Gathered), guided by its plan (src/schema.rs, PLAN_JSON), which says
// where to look and which kinds each member may take: `gather` reads every
// answer at once, in the order the checker asks, and the core judges them
// in one call and says what is wrong. A payload JSON.parse made is first
// checked in JS (generated/schema.js, the same plan as code): the usual
// delivery never calls into wasm.

// The JSON types, as src/schema.rs numbers them (Kind::from_code).
const ABSENT = 0;
const NULL = 1;
const BOOLEAN = 2;
const NUMBER = 3;
const STRING = 4;
const ARRAY = 5;
const OBJECT = 6;
const OTHER = 7;

// A member's descent in the plan: none, or an array whose first non-string element is asked.
const KIND_ONLY = 0;
const STRINGS = 1;

/**
 * The JSON type of `value` as JSON.stringify sees it: `undefined`,
 * functions and symbols are absent. In a caller's own parsed object, an
 * object with a `toJSON` method prints as something else: OTHER.
 */
function jsonKind(value, parsedByCaller) {
  switch (typeof value) {
    case 'string':
      return STRING;
    case 'number':
      return NUMBER;
    case 'boolean':
      return BOOLEAN;
    case 'undefined':
    case 'function':
    case 'symbol':
      return ABSENT;
    case 'object':
      if (value === null) return NULL;
      try {
        if (Array.isArray(value)) return ARRAY;
        return parsedByCaller && typeof value.toJSON === 'function' ? OTHER : OBJECT;
      } catch {
        return OTHER; // a revoked Proxy or a throwing trap
      }
    default:
      return OTHER; // a BigInt
  }
}

// Captured at load, so code run later cannot swap it.
const isOwnEnumerable = Function.prototype.call.bind(Object.prototype.propertyIsEnumerable);

/**
 * `object[key]` when `key` is an own enumerable member of `object`, the
 * members JSON.stringify prints: a polluted prototype's is absent, as it is
 * from the text. A getter or Proxy trap that throws reads as absent.
 */
function memberOf(object, key) {
  try {
    return isOwnEnumerable(object, key) ? object[key] : undefined;
  } catch {
    return undefined;
  }
}

/** `array[key]` (its length or an element), read as JSON.stringify reads it; a throw reads as absent. */
function itemOf(array, key) {
  try {
    return array[key];
  } catch {
    return undefined;
  }
}

/** `object`'s own `key` when it is a string, else `undefined` (the replay window reads the timestamp so). */
export function textOf(object, key) {
  const value = memberOf(object, key);
  return typeof value === 'string' ? value : undefined;
}

/**
 * The core's plan as tables of `{ keys, descents, read }`: a descent is
 * KIND_ONLY, STRINGS or the table of an object read further, and `read`
 * lists the members that are read further. Events by name.
 */
export function readPlan(json) {
  const table = (members) => {
    const descents = members.map(([, d]) => (Array.isArray(d) ? table(d) : d));
    const read = descents.flatMap((d, i) => (d === KIND_ONLY ? [] : [i]));
    return { keys: members.map(([key]) => key), descents, read };
  };
  const plan = JSON.parse(json);
  return {
    envelope: table(plan.envelope),
    event: plan.event,
    data: plan.data,
    events: new Map(plan.events.map(([name, members], index) => [name, { index, table: table(members) }])),
  };
}

let answers;
let count = 0;
// A getter that checks another payload while this one is read would write
// over these answers: such a nested read gives none, so its check fails.
let gathering = false;

function answer(value) {
  if (count < answers.length) answers[count] = value;
  count++;
}

/**
 * Writes the answers for `payload` into `into` (a Float64Array); returns
 * how many there are. In order: the root's kind; the envelope's member
 * kinds; the event's index (-1: none with rules); then `data`'s table,
 * depth first (see `record`).
 */
export function gather(payload, parsedByCaller, plan, into) {
  if (gathering) return 0;
  answers = into;
  gathering = true;
  count = 0;
  try {
    const kind = jsonKind(payload, parsedByCaller);
    answer(kind);
    if (kind !== OBJECT) return count;
    record(payload, plan.envelope, parsedByCaller);
    const name = memberOf(payload, plan.event);
    const event = typeof name === 'string' ? plan.events.get(name) : undefined;
    answer(event === undefined ? -1 : event.index);
    if (event !== undefined) {
      const data = memberOf(payload, plan.data);
      if (jsonKind(data, parsedByCaller) === OBJECT) record(data, event.table, parsedByCaller);
    }
    return Math.min(count, answers.length);
  } finally {
    gathering = false;
  }
}

/**
 * The kinds of a table's members, three bits each, the first key lowest (at
 * most 17 keys, so the sum stays an exact integer); then, for each member
 * read further, an object's own table or an array's first element that is
 * not a string. Such a member is read again: what a Proxy answers then is
 * what its own answers are judged on.
 */
function record(object, table, parsedByCaller) {
  const { keys, descents, read } = table;
  if (keys.length === 0) return; // the checker asks nothing of an empty table
  let packed = 0;
  for (let i = keys.length - 1; i >= 0; i--) packed = packed * 8 + jsonKind(memberOf(object, keys[i]), parsedByCaller);
  answer(packed);
  for (let r = 0; r < read.length; r++) {
    const i = read[r];
    const value = memberOf(object, keys[i]);
    const kind = jsonKind(value, parsedByCaller);
    if (descents[i] === STRINGS) {
      if (kind === ARRAY) answer(firstElementNot(value, STRING, parsedByCaller));
    } else if (kind === OBJECT) record(value, descents[i], parsedByCaller);
  }
}

/**
 * The first element of `array` whose kind is not `kind`, as its index times
 * 8 plus its kind (a missing element is null, as JSON.stringify writes it);
 * -1 when there is none. A `length` that is no positive number is 0.
 */
function firstElementNot(array, kind, parsedByCaller) {
  const length = itemOf(array, 'length');
  const n = typeof length === 'number' && length > 0 ? Math.floor(Math.min(length, 2 ** 32 - 1)) : 0;
  for (let i = 0; i < n; i++) {
    const found = jsonKind(itemOf(array, i), parsedByCaller) || NULL;
    if (found !== kind) return i * 8 + found;
  }
  return -1;
}
