// The named-check runner of the end-to-end scripts (e2e-demo, e2e-dashboard, e2e-vite-app): each
// check is recorded in `results`, and a check whose prerequisite failed is reported failed
// without running, so the closing `name: N passed, M failed` line counts every check.

export function checkRunner(results) {
  return async function check(name, needs, body) {
    const missing = needs.filter((need) => !results.find((r) => r.name === need)?.ok);
    if (missing.length > 0) {
      results.push({ name, ok: false });
      console.log(`FAIL ${name}: skipped, needs ${missing.join(', ')}`);
      return;
    }
    const started = Date.now();
    try {
      await body();
      results.push({ name, ok: true });
      console.log(`ok   ${name} (${Date.now() - started} ms)`);
    } catch (error) {
      results.push({ name, ok: false });
      console.log(`FAIL ${name}: ${error?.message ?? error}`);
    }
  };
}
