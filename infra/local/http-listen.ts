/** Starts a local service's HTTP server on loopback and gives back how to reach and stop it. */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ListeningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function listen(server: Server, host: string, port: number): Promise<ListeningServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const chosen = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${chosen}`,
    port: chosen,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Keep-alive sockets of SDK clients would otherwise hold close() open.
        server.closeAllConnections();
      }),
  };
}
