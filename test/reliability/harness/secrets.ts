// Every key, signature and token the suite handed an emulator, and the forms they can take in a
// printed line (raw, URL-encoded, the bare signature of a SAS token or a JWT). A hit in the
// emulator's output is a leak (issue 10 finding 12).

export class SecretBook {
  readonly #needles = new Set<string>();

  /** A key, a token, or a connection string (its key or signature is extracted). */
  add(secret: string | undefined): void {
    if (!secret) return;
    const forms = new Set<string>([secret]);
    for (const match of secret.matchAll(/(?:SharedAccessKey|AccessKey)=([^;]+)/g)) forms.add(match[1]!);
    for (const match of secret.matchAll(/sig=([^&\s;]+)/g)) {
      forms.add(match[1]!);
      try {
        forms.add(decodeURIComponent(match[1]!));
      } catch {
        // not %-encoded
      }
    }
    const jwt = /eyJ[\w-]+\.[\w-]+\.([\w-]+)/.exec(secret);
    if (jwt) forms.add(jwt[1]!);
    for (const form of [...forms]) forms.add(encodeURIComponent(form));
    // Short fragments would match by chance; every real key or signature is far longer.
    for (const form of forms) if (form.length >= 16) this.#needles.add(form);
  }

  get size(): number {
    return this.#needles.size;
  }

  /** The lines with every secret replaced, safe to print in a failure message. */
  mask(lines: readonly string[]): string[] {
    return lines.map((line) => [...this.#needles].reduce((text, needle) => text.replaceAll(needle, `<secret ${needle.length} chars>`), line));
  }

  /** Lines that contain any secret (with the secret masked in the report, so the report leaks nothing). */
  hits(lines: readonly string[]): string[] {
    const found: string[] = [];
    for (const line of lines) {
      for (const needle of this.#needles) {
        if (line.includes(needle)) found.push(`${line.replaceAll(needle, `<secret ${needle.length} chars>`).slice(0, 300)}`);
      }
    }
    return found;
  }
}
