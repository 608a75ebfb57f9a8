import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { waitFor } from './wait-for.js';

/** One message the sink accepted: the SMTP envelope, and the message decoded (MIME parts, quoted-printable). */
export interface SinkMessage {
  /** MAIL FROM. */
  from: string;
  /** RCPT TO, in the order given. */
  to: string[];
  subject: string;
  /** The plain-text part, decoded ('' when the message has none). */
  text: string;
  /** The HTML part, decoded ('' when the message has none). */
  html: string;
  /** The message as received (headers and encoded body). */
  raw: string;
}

export interface SmtpSink {
  host: string;
  port: number;
  /** Every message accepted so far, oldest first. */
  messages(): SinkMessage[];
  /** The first message (oldest first) that `predicate` accepts, waiting up to `timeoutMs` (default 10 s) for one. */
  waitForMessage(predicate: (message: SinkMessage) => boolean, timeoutMs?: number): Promise<SinkMessage>;
  close(): Promise<void>;
}

/**
 * A real SMTP server on 127.0.0.1 (a free port) that accepts any mail from anyone to anyone and
 * keeps it: plain SMTP, no TLS, no authentication — what Alertmanager's email receiver sends with
 * `require_tls: false`.
 */
export async function startSmtpSink(): Promise<SmtpSink> {
  const received: SinkMessage[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then(
          (parsed) => {
            received.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((recipient) => recipient.address),
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              raw: raw.toString('utf8'),
            });
            callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.server.address() as AddressInfo;
  return {
    host: '127.0.0.1',
    port,
    messages: () => [...received],
    waitForMessage: (predicate, timeoutMs = 10_000) =>
      waitFor(() => received.find(predicate), {
        what: 'an email that matches',
        timeoutMs,
        describe: () =>
          `${received.length} message(s): ${JSON.stringify(received.map((message) => ({ to: message.to, subject: message.subject })))}`,
      }) as Promise<SinkMessage>,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
