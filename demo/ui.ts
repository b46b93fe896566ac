import { redactSecrets } from 'azure-realtime';

// Small DOM helpers shared by the panels: element building, a status line, a capped log, and
// error text that never carries a token (everything shown goes through redactSecrets).

type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  for (const child of children) if (child) element.append(child);
  return element;
}

export function field(label: string, input: HTMLInputElement): HTMLLabelElement {
  return el('label', { class: 'field' }, el('span', {}, label), input);
}

export function input(id: string, value: string, extra: Record<string, string> = {}): HTMLInputElement {
  return el('input', { id, value, autocomplete: 'off', spellcheck: 'false', ...extra });
}

export function button(id: string, text: string, onClick: () => void | Promise<void>, report: (error: unknown) => void): HTMLButtonElement {
  const node = el('button', { id, type: 'button' }, text);
  node.addEventListener('click', () => {
    // A click handler's rejection would otherwise vanish into the console.
    Promise.resolve()
      .then(onClick)
      .catch(report);
  });
  return node;
}

export type StatusState = 'idle' | 'busy' | 'ok' | 'error';

export interface StatusLine {
  readonly node: HTMLElement;
  set(state: StatusState, text: string): void;
}

export function statusLine(id: string, initial: string): StatusLine {
  const node = el('p', { id, class: 'status', 'data-state': 'idle', role: 'status' }, initial);
  return {
    node,
    set(state, text) {
      node.dataset.state = state;
      node.textContent = redactSecrets(text);
    },
  };
}

export type LogKind = 'info' | 'in' | 'out' | 'error';

export interface LogView {
  readonly node: HTMLElement;
  add(kind: LogKind, text: string): void;
}

const MAX_LOG_LINES = 200;

export function logView(id: string): LogView {
  const node = el('ol', { id, class: 'log', 'aria-live': 'polite' });
  return {
    node,
    add(kind, text) {
      const time = new Date().toLocaleTimeString(undefined, { hour12: false });
      node.append(el('li', { class: kind }, el('time', {}, time), redactSecrets(text)));
      while (node.childElementCount > MAX_LOG_LINES) node.firstElementChild?.remove();
      node.scrollTop = node.scrollHeight;
    },
  };
}

/** `code: message` for a RealtimeError, the message otherwise; the cause's message when it adds one. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return redactSecrets(String(error));
  const code = (error as { code?: unknown }).code;
  const cause = error.cause instanceof Error && error.cause.message && !error.message.includes(error.cause.message) ? ` (${error.cause.message})` : '';
  return redactSecrets(`${typeof code === 'string' ? `${code}: ` : ''}${error.message}${cause}`);
}

export function randomName(prefix: string): string {
  return `${prefix}-${Math.random().toString(36).slice(2, 6)}`;
}
