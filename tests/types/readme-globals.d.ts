// What target/js-examples/readme/browser.js (stripped from js-examples/readme/browser.ts) leaves for the Chromium test.
interface Window {
  __readme: unknown;
}
