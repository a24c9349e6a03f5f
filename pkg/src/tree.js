// What the core's schema check (src/wasm/verify.rs, JsTree) asks of a JS value, one
// call per question: a call from wasm into JS costs about as much as the
// check itself, so each question is answered whole here (a table's member
// kinds, a member's text, an array's first element of the wrong kind).

// The JSON types, as src/schema.rs numbers them (Kind::from_code).
const ABSENT = 0;
const NULL = 1;
const BOOLEAN = 2;
const NUMBER = 3;
const STRING = 4;
const ARRAY = 5;
const OBJECT = 6;
const OTHER = 7;

/**
 * The JSON type of `value` as JSON.stringify sees it: `undefined`,
 * functions and symbols are absent. In a caller's own parsed object, an
 * object with a `toJSON` method prints as something else: OTHER.
 */
export function jsonKind(value, parsedByCaller) {
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

/** `object[key]`; a getter or Proxy trap that throws reads as absent. */
export function memberOf(object, key) {
  try {
    return object[key];
  } catch {
    return undefined;
  }
}

/**
 * The kinds of `keys` in `object`, three bits each, the first key lowest:
 * one call for a whole schema table. At most 17 keys, so the sum stays an
 * exact integer.
 */
export function memberKinds(object, keys, parsedByCaller) {
  let packed = 0;
  for (let i = keys.length - 1; i >= 0; i--) packed = packed * 8 + jsonKind(memberOf(object, keys[i]), parsedByCaller);
  return packed;
}

/** `object[key]` when it is a string, else `undefined`. */
export function textOf(object, key) {
  const value = memberOf(object, key);
  return typeof value === 'string' ? value : undefined;
}

/**
 * The first element of `array` whose kind is not `kind`, as its index times
 * 8 plus its kind (a missing element is null, as JSON.stringify writes it);
 * -1 when there is none. A `length` that is no positive number is 0.
 */
export function firstElementNot(array, kind, parsedByCaller) {
  const length = memberOf(array, 'length');
  const count = typeof length === 'number' && length > 0 ? Math.floor(Math.min(length, 2 ** 32 - 1)) : 0;
  for (let i = 0; i < count; i++) {
    const found = jsonKind(memberOf(array, i), parsedByCaller) || NULL;
    if (found !== kind) return i * 8 + found;
  }
  return -1;
}

/** A table's keys as an array the core keeps (no key holds a comma). */
export function keyList(commaSeparated) {
  return commaSeparated.split(',');
}
