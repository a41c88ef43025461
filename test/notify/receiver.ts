import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A webhook receiver on loopback: records every body posted to it, answering `status`. */
export class Receiver {
  readonly bodies: { path: string; body: Record<string, unknown> }[] = [];
  status = 200;
  private server!: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.bodies.push({
          path: request.url ?? '',
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        });
        response
          .writeHead(this.status, { 'content-type': 'text/plain' })
          .end(this.status === 200 ? 'ok' : 'boom');
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Bodies posted to one path, in order. */
  at(path: string): Record<string, unknown>[] {
    return this.bodies.filter((b) => b.path === path).map((b) => b.body);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
