// The certificate generator (selfsigned), loaded on first use: it pulls in a large pure-JS crypto
// library (megabytes of heap, and the GC work that heap costs under load), which an emulator
// serving plain ws/http never needs.

export async function certificateLibrary(): Promise<typeof import('selfsigned')> {
  return (await import('selfsigned')).default;
}
