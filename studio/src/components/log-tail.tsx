import { useEffect, useRef, useState } from 'react';
import { followJobLog, type LogEvent } from '../api/jobs.js';
import { ErrorNotice } from './notice.js';

/** The browser keeps this much of the log's end; the whole log is the run's user_logs/std_log.txt. */
const keptCharacters = 500_000;

/**
 * The job's log (std_log.txt), followed while the job runs: new lines arrive as the server
 * streams them and the view stays at the bottom unless the user scrolled up to read.
 */
export function LogTail({
  workspace,
  name,
  onState,
}: {
  workspace: string;
  name: string;
  onState?: (event: Extract<LogEvent, { event: 'state' }>) => void;
}) {
  const [text, setText] = useState('');
  const [isFollowing, setIsFollowing] = useState(true);
  const [error, setError] = useState<Error>();
  const box = useRef<HTMLPreElement>(null);
  const isAtBottom = useRef(true);
  const stateCallback = useRef(onState);
  stateCallback.current = onState;

  useEffect(() => {
    const controller = new AbortController();
    let attempt = -1;
    setText('');
    setError(undefined);
    setIsFollowing(true);
    followJobLog(
      workspace,
      name,
      (event) => {
        if (event.event === 'state') return stateCallback.current?.(event);
        // A new attempt (after an eviction) writes a new log from its start.
        const heading = attempt !== -1 && event.attempt !== attempt ? `\n── attempt ${event.attempt} ──\n` : '';
        attempt = event.attempt;
        setText((previous) => (previous + heading + event.text).slice(-keptCharacters));
      },
      controller.signal,
    ).then(
      () => setIsFollowing(false),
      (failure: unknown) => {
        setError(failure instanceof Error ? failure : new Error(String(failure)));
        setIsFollowing(false);
      },
    );
    return () => controller.abort();
  }, [workspace, name]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: runs after each change of `text` (rendered, not read here) to keep the view at the bottom.
  useEffect(() => {
    const element = box.current;
    if (element && isAtBottom.current) element.scrollTop = element.scrollHeight;
  }, [text]);

  return (
    <div className="log-tail">
      <div className="log-status muted" aria-live="polite">
        {isFollowing ? '● following the log' : 'the log is complete'}
        {text ? ` · ${text.split('\n').length - 1} lines` : ''}
      </div>
      {error ? <ErrorNotice error={error} /> : null}
      <pre
        ref={box}
        className="log"
        role="log"
        aria-label="Job log"
        // Not read out as it grows (the status line above says how far it is).
        aria-live="off"
        // biome-ignore lint/a11y/noNoninteractiveTabindex: the log scrolls; focus lets keyboard users scroll it.
        tabIndex={0}
        onScroll={(event) => {
          const element = event.currentTarget;
          isAtBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < 24;
        }}
      >
        {text || (isFollowing ? 'Waiting for the job to write its log…' : 'The job wrote nothing to its log.')}
      </pre>
    </div>
  );
}
