import type { FerretDb } from './ferretdb';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __smoFerretDb?: FerretDb }).__smoFerretDb?.stop();
}
