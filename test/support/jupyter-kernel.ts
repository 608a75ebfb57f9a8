import { randomUUID } from 'node:crypto';
import { stripVTControlCharacters } from 'node:util';
import { WebSocket } from 'undici';

/**
 * Runs a notebook's code cells headless on a Jupyter server's kernel, over the kernel's WebSocket
 * channels (Jupyter's messaging protocol, JSON frames): what nbclient does, from Node, so the test
 * goes through Trellis's proxy (HTTP to make the kernel, WebSocket to run cells) as a browser does.
 * Stops at the first cell whose output is an error; `outputs` holds streams, results and tracebacks.
 */
export async function runNotebookCells(
  labUrl: string,
  headers: Record<string, string>,
  notebook: { cells: Array<{ cell_type: string; source: string | string[] }> },
  options: { cellTimeoutMs?: number } = {},
): Promise<{ outputs: string[]; errors: string[] }> {
  const base = labUrl.endsWith('/') ? labUrl : `${labUrl}/`;
  const created = await fetch(`${base}api/kernels`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'python3' }),
  });
  if (created.status !== 201) throw new Error(`creating a kernel answered ${created.status}: ${await created.text()}`);
  const kernel = (await created.json()) as { id: string };
  const session = randomUUID();
  const socket = new WebSocket(`${base.replace(/^http/, 'ws')}api/kernels/${kernel.id}/channels?session_id=${session}`, { headers });
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error('the kernel WebSocket did not open')), { once: true });
  });
  const outputs: string[] = [];
  const errors: string[] = [];
  try {
    for (const cell of notebook.cells.filter((each) => each.cell_type === 'code')) {
      const code = Array.isArray(cell.source) ? cell.source.join('') : cell.source;
      await execute(socket, session, code, outputs, errors, options.cellTimeoutMs ?? 120_000);
      if (errors.length > 0) break;
    }
  } finally {
    socket.close();
    await fetch(`${base}api/kernels/${kernel.id}`, { method: 'DELETE', headers });
  }
  return { outputs, errors };
}

/** Sends one execute_request and collects its output until the kernel goes idle after it. */
function execute(socket: WebSocket, session: string, code: string, outputs: string[], errors: string[], timeoutMs: number): Promise<void> {
  const id = randomUUID();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`a cell did not finish within ${timeoutMs / 1000} s:\n${code}`)), timeoutMs);
    const onMessage = (event: MessageEvent) => {
      const message = JSON.parse(String(event.data)) as {
        channel: string;
        header: { msg_type: string };
        parent_header: { msg_id?: string };
        content: {
          name?: string;
          text?: string;
          data?: { 'text/plain'?: string };
          ename?: string;
          evalue?: string;
          traceback?: string[];
          execution_state?: string;
        };
      };
      if (message.parent_header.msg_id !== id) return;
      const type = message.header.msg_type;
      if (type === 'stream') outputs.push(message.content.text ?? '');
      if (type === 'execute_result' || type === 'display_data') outputs.push(`${message.content.data?.['text/plain'] ?? ''}\n`);
      if (type === 'error') {
        errors.push(`${message.content.ename}: ${message.content.evalue}`);
        // Tracebacks carry ANSI colours; the test's failure message reads better without them.
        outputs.push(`${stripVTControlCharacters((message.content.traceback ?? []).join('\n'))}\n`);
      }
      if (type === 'status' && message.content.execution_state === 'idle') {
        clearTimeout(timer);
        socket.removeEventListener('message', onMessage);
        resolve();
      }
    };
    socket.addEventListener('message', onMessage);
    socket.send(
      JSON.stringify({
        header: {
          msg_id: id,
          session,
          username: 'trellis-test',
          msg_type: 'execute_request',
          version: '5.3',
          date: new Date().toISOString(),
        },
        parent_header: {},
        metadata: {},
        content: { code, silent: false, store_history: true, user_expressions: {}, allow_stdin: false, stop_on_error: true },
        channel: 'shell',
        buffers: [],
      }),
    );
  });
}
