import { createServer } from 'node:net';

/** A TCP port free on 127.0.0.1 right now (the master port of a distributed attempt); 29500 if the OS names none. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 29500));
    });
  });
}
