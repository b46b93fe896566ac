// Shared by tls.ts, tls-ca.ts and the services' options (types.ts).

export interface TlsMaterial {
  cert: string;
  key: string;
}

export interface EmulatorTlsOptions {
  /** Namespace name(s): the certificate names `{ns}.servicebus.windows.net` and `{ns}.webpubsub.azure.com`. */
  namespace?: string | string[];
  /** More DNS names for the certificate. */
  hostNames?: string[];
  /** The CA that signs the served certificate (PEM). */
  ca?: TlsMaterial;
  /** Without `ca`: a directory holding the emulator CA, created on first use and reused after. */
  caDir?: string;
}
