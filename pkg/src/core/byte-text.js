// The browser build's wasm modules arrive as strings of one character per
// byte (scripts/byte-text.mjs writes them): this reads the bytes back.

/** The bytes of a string whose every character is below U+0100. */
export function bytesOfText(text) {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}
