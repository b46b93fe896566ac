// Node's `global` in a browser bundle: the page's globalThis (injected where a module reads `global`).
export default globalThis;
