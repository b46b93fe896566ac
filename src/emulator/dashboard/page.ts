import { dashboardClient } from './page-client.js';

// The dashboard page: static HTML with the per-process token in a meta tag, one script and one
// style sheet (served as files, so the page's Content-Security-Policy can forbid inline code).
// Shipped as strings in the build: `npm run build` compiles them with the rest of src/.

export const PAGE_SCRIPT = `"use strict";\n(${String(dashboardClient)})();\n`;

const escapeAttribute = (value: string): string => value.replace(/[&"<>]/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * One service's section: its live picture (filled by the page script), the list of its hubs the
 * forms offer, then its own lists and forms.
 */
const section = (id: string, title: string, prefix: string, rest: string, hubList = false): string => `<section id="${id}">
  <h2>${title}</h2>
  <div id="${prefix}-body"><p class="empty">waiting for the first picture…</p></div>${hubList ? `\n  <datalist id="${prefix}-hubs"></datalist>` : ''}${rest}</section>`;

const RELAY_LISTS = `
  <h3>Recent rejections</h3>
  <div id="relay-rejections"></div>
`;
const WEB_PUBSUB_FORMS = `
  <form id="wps-send" class="action">
    <b>send</b>
    <label>hub <input name="hub" list="wps-hubs" required size="10"></label>
    <label>to <select name="target"><option value="all">all</option><option value="group">group</option><option value="user">user</option><option value="connection">connection</option></select></label>
    <label>name <input name="name" size="12" placeholder="group, user or id"></label>
    <label>as <select name="dataType"><option value="text">text</option><option value="json">json</option></select></label>
    <label>data <input name="data" size="24"></label>
    <button type="submit">send</button>
    <output></output>
  </form>
  <form id="wps-close" class="action">
    <b>close</b>
    <label>hub <input name="hub" list="wps-hubs" required size="10"></label>
    <label>connection <input name="connectionId" required size="24"></label>
    <label>reason <input name="reason" size="16"></label>
    <button type="submit">close</button>
    <output></output>
  </form>
  <h3>Recent messages</h3>
  <div id="wps-messages"></div>
`;
const EVENT_HUBS_FORMS = `
  <form id="eh-send" class="action">
    <b>send an event</b>
    <label>hub <input name="hub" list="eh-hubs" required size="10"></label>
    <label>partition <input name="partitionId" size="3" inputmode="numeric"></label>
    <label>or key <input name="partitionKey" size="10"></label>
    <label>body <input name="body" size="28"></label>
    <button type="submit">send</button>
    <output></output>
  </form>
`;

export function pageHtml(token: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="dashboard-token" content="${escapeAttribute(token)}">
<title>azure-realtime emulator dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/dashboard.css">
<script src="/dashboard.js" defer></script>
</head>
<body>
<header>
  <h1>azure-realtime emulator</h1>
  <span id="status" data-state="connecting">connecting…</span>
</header>
<main>
${section('relay', 'Relay Hybrid Connections', 'relay', RELAY_LISTS)}
${section('webpubsub', 'Web PubSub', 'wps', WEB_PUBSUB_FORMS, true)}
${section('eventhubs', 'Event Hubs', 'eh', EVENT_HUBS_FORMS, true)}
</main>
<footer>Live picture pushed by the emulator when something changes. Keys, signatures and tokens are never shown.</footer>
</body>
</html>
`;
}

export const PAGE_STYLE = `
:root { color-scheme: light dark; --line: #8884; --muted: #888; --ok: #2a7; --bad: #d44; font: 14px/1.4 system-ui, sans-serif; }
body { margin: 0; }
header { display: flex; gap: 1em; align-items: baseline; padding: .6em 1em; border-bottom: 1px solid var(--line); position: sticky; top: 0; background: Canvas; }
header h1 { font-size: 1.2em; margin: 0; }
#status[data-state="live"] { color: var(--ok); }
#status[data-state="offline"] { color: var(--bad); }
main { display: grid; gap: 1em; padding: 1em; grid-template-columns: repeat(auto-fit, minmax(44em, 1fr)); }
section { border: 1px solid var(--line); border-radius: 6px; padding: .5em 1em 1em; min-width: 0; overflow-x: auto; }
h2 { font-size: 1.1em; margin: .3em 0; }
h3 { font-size: 1em; margin: .8em 0 .3em; }
h3 small, .endpoint, .empty, .more, footer { color: var(--muted); font-weight: normal; }
table { border-collapse: collapse; width: 100%; font-size: .92em; }
th, td { text-align: left; padding: .15em .4em; border-bottom: 1px solid var(--line); vertical-align: top; }
code, .ids { font-family: ui-monospace, monospace; font-size: .9em; word-break: break-all; }
.preview { white-space: pre-wrap; }
.reason { font-size: .9em; }
form.action { display: flex; flex-wrap: wrap; gap: .4em; align-items: center; margin: .6em 0; padding: .4em; border: 1px dashed var(--line); border-radius: 4px; }
output[data-state="ok"] { color: var(--ok); }
output[data-state="error"] { color: var(--bad); }
ul { margin: .2em 0; padding-left: 1.4em; }
footer { padding: 0 1em 1em; font-size: .9em; }
`;
