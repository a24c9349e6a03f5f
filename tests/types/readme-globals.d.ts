// What js-examples/readme/browser.mjs leaves for the Chromium test.
interface Window {
  __readme: unknown;
}
