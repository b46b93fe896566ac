// What a browser bundle gets for Node's `os`: rhea (under @azure/event-hubs) requires it for
// `homedir()`, which it calls only to look for a connect.json file, something a page never reads.
// Answers are fixed and describe no machine.

export const EOL = '\n';
export const hostname = (): string => 'localhost';
export const homedir = (): string => '/';
export const tmpdir = (): string => '/tmp';
export const platform = (): string => 'browser';
export const type = (): string => 'Browser';
export const release = (): string => '';
export const arch = (): string => 'javascript';
export const endianness = (): 'LE' => 'LE';
export const cpus = (): unknown[] => [];
export const networkInterfaces = (): Record<string, unknown[]> => ({});

export default { EOL, hostname, homedir, tmpdir, platform, type, release, arch, endianness, cpus, networkInterfaces };
