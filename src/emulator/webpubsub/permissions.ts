// Per-connection permissions (docs/protocol/webpubsub.md §1 roles, §3 grant/revoke/check): token roles and
// REST grants feed one model so a REST revoke really stops the next client frame.

export type PermissionName = 'joinLeaveGroup' | 'sendToGroup';
export const PERMISSION_NAMES: readonly PermissionName[] = ['joinLeaveGroup', 'sendToGroup'];

interface PermissionState {
  /** Granted for every group (`webpubsub.<perm>` role, or a grant without targetName). */
  all: boolean;
  targets: Set<string>;
  /** Groups revoked one by one while `all` holds. */
  revoked: Set<string>;
  /** Wildcard roles `webpubsub.<perm>s.<pattern>` (Jan 2026). */
  patterns: RegExp[];
}

const newState = (): PermissionState => ({ all: false, targets: new Set(), revoked: new Set(), patterns: [] });

/** `?` one char but `.`, `*` a run without `.`, `**` anything, `\` escapes (docs/protocol/webpubsub.md §1). Case-sensitive. */
export function compileGroupPattern(pattern: string): RegExp | undefined {
  if ((pattern.match(/(?<!\\)\*/g) ?? []).length > 5) return undefined;
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '\\' && i + 1 < pattern.length) {
      source += pattern[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    } else if (char === '*' && pattern[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (char === '*') source += '[^.]*';
    else if (char === '?') source += '[^.]';
    else source += char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

export class ConnectionPermissions {
  // Created on the first role or grant: most connections hold none, and thousands of idle
  // connections should not each carry empty sets.
  #joinLeaveGroup: PermissionState | undefined;
  #sendToGroup: PermissionState | undefined;

  constructor(roles: Iterable<string> = []) {
    for (const role of roles) this.addRole(role);
  }

  #state(name: PermissionName): PermissionState {
    if (name === 'joinLeaveGroup') return (this.#joinLeaveGroup ??= newState());
    return (this.#sendToGroup ??= newState());
  }

  #existing(name: PermissionName): PermissionState | undefined {
    return name === 'joinLeaveGroup' ? this.#joinLeaveGroup : this.#sendToGroup;
  }

  addRole(role: string): void {
    for (const name of PERMISSION_NAMES) {
      if (role === `webpubsub.${name}`) this.#state(name).all = true;
      else if (role.startsWith(`webpubsub.${name}.`)) this.#state(name).targets.add(role.slice(`webpubsub.${name}.`.length));
      else if (role.startsWith(`webpubsub.${name}s.`)) {
        const regex = compileGroupPattern(role.slice(`webpubsub.${name}s.`.length));
        if (regex) this.#state(name).patterns.push(regex);
      }
    }
  }

  grant(name: PermissionName, target?: string): void {
    const state = this.#state(name);
    if (target === undefined) {
      state.all = true;
      state.revoked.clear();
    } else {
      state.targets.add(target);
      state.revoked.delete(target);
    }
  }

  revoke(name: PermissionName, target?: string): void {
    if (target === undefined) {
      // Nothing left of the permission: as if never granted.
      if (name === 'joinLeaveGroup') this.#joinLeaveGroup = undefined;
      else this.#sendToGroup = undefined;
      return;
    }
    // Without a state there is nothing to take back (a later grant of all clears `revoked` anyway).
    const state = this.#existing(name);
    if (!state) return;
    state.targets.delete(target);
    state.revoked.add(target);
  }

  /** Without a target: whether the permission holds for all groups. */
  has(name: PermissionName, target?: string): boolean {
    const state = this.#existing(name);
    if (!state) return false;
    if (target === undefined) return state.all && state.revoked.size === 0;
    if (state.targets.has(target)) return true;
    if (state.revoked.has(target)) return false;
    return state.all || state.patterns.some((p) => p.test(target));
  }
}
