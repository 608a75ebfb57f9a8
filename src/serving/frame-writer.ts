import type { Socket } from 'node:net';

/**
 * Writes frames to a socket, header and body without copying them together. Frames written in
 * the same tick leave in one writev: the socket is corked at the first and uncorked before the
 * event loop goes on, so pipelined calls cost one system call, not one each.
 */
export class FrameWriter {
  private isCorked = false;

  constructor(private readonly socket: Socket) {}

  write(header: Buffer, body?: Buffer): void {
    if (!this.isCorked) {
      this.isCorked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    this.socket.write(header);
    if (body !== undefined && body.length > 0) this.socket.write(body);
  }

  private readonly uncork = (): void => {
    this.isCorked = false;
    this.socket.uncork();
  };
}
