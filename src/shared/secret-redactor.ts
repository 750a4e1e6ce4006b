/**
 * Keeps credentials out of error strings. The adapter never puts them there itself, but
 * messages also come from the remote service (or a proxy in front of it) and from fetch, which may
 * quote a header value it refused.
 */
export class SecretRedactor {
  private readonly secrets: string[];

  constructor(secrets: readonly (string | undefined)[]) {
    // Longest first, so "user:password" is masked before "password" alone.
    this.secrets = [...new Set(secrets.filter((secret): secret is string => !!secret))].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    return this.secrets.reduce((masked, secret) => masked.split(secret).join('***'), text);
  }
}
