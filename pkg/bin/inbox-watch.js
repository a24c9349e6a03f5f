// What became of the inbox entries `serve --inbox` recorded: their state
// (pending, done, dead, or purged once deleted), attempts and last error,
// read back from the inbox itself. Reading the inbox, rather than hearing
// the worker, also sees what another process did: `inbox retry` or
// `inbox purge` from a shell, a worker elsewhere on the same file.
//
// It polls only while an entry it watches may still change (anything but
// done), and needs of the inbox only list({ limit }), newest first.

// How many entries it remembers (the oldest is forgotten first).
const MAX_WATCHED = 1000;
// How far back it reads to find a watched entry.
const MAX_LISTED = 20_000;
const FIRST_LISTED = 64;

/**
 * Watches `inbox`: `add(id, duplicate)` for each recorded delivery;
 * `onChange(id, info, before)` hears each change of an entry's `info`
 * (`{ state, attempts, lastError }`), `stateOf(id)` gives the last known.
 */
export function watchEntries(inbox, onChange, { everyMs = 1000 } = {}) {
  const known = new Map();
  let busy = false;

  const timer = setInterval(async () => {
    const open = [...known].filter(([, info]) => info.state !== 'done').map(([id]) => id);
    if (busy || open.length === 0) return;
    busy = true;
    try {
      await refresh(new Set(open));
    } catch {
      // The inbox is busy or closing: the next tick reads it again.
    } finally {
      busy = false;
    }
  }, everyMs);
  timer.unref();

  async function refresh(wanted) {
    // The newest entries, as many as it takes to reach every watched one (no id arithmetic: ids are the inbox's).
    let limit = Math.max(FIRST_LISTED, wanted.size * 2);
    let rows;
    for (;;) {
      rows = await inbox.list({ limit });
      const found = rows.filter((row) => wanted.has(row.id)).length;
      if (found === wanted.size || rows.length < limit || limit >= MAX_LISTED) break;
      limit = Math.min(limit * 4, MAX_LISTED);
    }
    const byId = new Map(rows.map((row) => [row.id, row]));
    // Read to the end: a watched entry not there was deleted (inbox purge).
    const whole = rows.length < limit;
    for (const id of wanted) {
      const row = byId.get(id);
      if (row === undefined && !whole) continue;
      const info = row === undefined ? { state: 'purged', attempts: null, lastError: null } : infoOf(row);
      const before = known.get(id);
      if (before === undefined || sameInfo(before, info)) continue;
      if (info.state === 'purged') known.delete(id);
      else known.set(id, info);
      onChange(id, info, before);
    }
  }

  return {
    add(id, duplicate) {
      if (known.has(id)) return;
      // A new entry is pending; a duplicate's entry is whatever it became, read on the next tick.
      known.set(id, duplicate ? { state: 'unknown', attempts: null, lastError: null } : { state: 'pending', attempts: 0, lastError: null });
      if (known.size > MAX_WATCHED) known.delete(known.keys().next().value);
    },
    stateOf: (id) => known.get(id),
    stop: () => clearInterval(timer),
  };
}

function infoOf(row) {
  // An error's first line: the rest is its stack.
  return { state: row.state, attempts: row.attempts, lastError: row.lastError === undefined ? null : row.lastError.split('\n')[0] };
}

function sameInfo(a, b) {
  return a.state === b.state && a.attempts === b.attempts && a.lastError === b.lastError;
}
