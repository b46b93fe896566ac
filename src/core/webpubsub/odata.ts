// The `odata` tagged template of @azure/web-pubsub: string values become quoted OData literals with
// `'` doubled (docs/protocol/webpubsub.md §3 "OData filter"), null/undefined become `null`, numbers and booleans stay bare.
// A value placed right after a `'` in the template is taken as already inside quotes.
export function odata(strings: TemplateStringsArray, ...values: unknown[]): string {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    const before = strings[i] ?? '';
    if (value === null || value === undefined) out += 'null';
    else if (typeof value === 'string') {
      const escaped = value.replace(/'/g, "''");
      out += before.trim().endsWith("'") ? escaped : `'${escaped}'`;
    } else out += String(value);
    out += strings[i + 1] ?? '';
  }
  return out;
}
