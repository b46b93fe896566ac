// The `sb-hc-*` and `$hc` rules (docs/protocol/relay.md §1.1, §1.2), apart from the header rules in
// wire-rules.ts: SAS audiences need these up front, while the header rules belong to code the
// listener loads on first use (scripts/size.mjs). Pure functions; imports nothing.

/** True for an `sb-hc-*` query parameter name (any case): protocol, never the app's (docs/protocol/relay.md §1.1). */
export function isHcParameter(name: string): boolean {
  return /^sb-hc-/i.test(name);
}

/** Drops the leading `/$hc` segment of a Relay WebSocket path (docs/protocol/relay.md §1.2). */
export function stripHcSegment(path: string): string {
  return path.replace(/^\/\$hc(?=\/|$)/i, '');
}
