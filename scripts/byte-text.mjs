// A wasm module as the text of a JS string literal, one character per byte
// (U+0000 to U+00FF), written in ASCII with \xNN escapes where needed. The
// browser build inlines its modules this way (pkg/src/byte-text.js reads
// them back): unlike base64, which shifts every byte across 6-bit groups,
// it keeps the bytes' own repetitions for gzip to find (the verify core
// gzips to about 31.7 KB this way, 36.3 KB as base64, 27 KB as a file).

/** `bytes` as a double-quoted JS string literal. */
export function byteText(bytes) {
  const parts = new Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === 0x5c) parts[i] = '\\\\';
    else if (byte === 0x22) parts[i] = '\\"';
    else if (byte < 0x20 || byte >= 0x7f) parts[i] = `\\x${byte.toString(16).padStart(2, '0')}`;
    else parts[i] = String.fromCharCode(byte);
  }
  return `"${parts.join('')}"`;
}
