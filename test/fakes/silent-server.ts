import { createServer, type AddressInfo, type Socket } from 'node:net';

export interface SilentServer {
  readonly port: number;
  /** Connections accepted so far. */
  accepted(): number;
  close(): Promise<void>;
}

/**
 * A real loopback TCP server that accepts every connection and never sends a byte: an API server
 * that hangs (nor does it complete a TLS handshake). Not HTTP: nothing is ever read or answered.
 */
export async function silentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    accepted: () => accepted,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A kubeconfig (token auth, TLS not verified) pointing at `server`. */
export function tokenKubeconfig(server: string, token: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    `clusters: [{name: karmada, cluster: {server: "${server}", insecure-skip-tls-verify: true}}]`,
    `users: [{name: smo, user: {token: ${token}}}]`,
    'contexts: [{name: smo, context: {cluster: karmada, user: smo}}]',
    'current-context: smo',
    '',
  ].join('\n');
}
