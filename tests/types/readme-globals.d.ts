// Just enough of Node for tsc to check the README's blocks (js-examples/readme/)
// against the package's types: Node's own modules and other packages are
// untyped here (no @types/node in this workspace); every call into
// 'promptfoo-webhooks' is checked.
declare module 'node:http';
declare module 'express';
declare const process: any;
declare const Buffer: any;

// What js-examples/readme/browser.mjs leaves for the Chromium test.
interface Window {
  __readme: unknown;
}
