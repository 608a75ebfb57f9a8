import type { ReactNode } from 'react';

/** What went wrong, in the server's words, with what to do about it. */
export function ErrorNotice({ error, action }: { error: Error; action?: ReactNode }) {
  return (
    <div className="notice error" role="alert">
      <strong>{error.name === 'ApiError' || 'status' in error ? 'The server said:' : 'Something went wrong:'}</strong> {error.message}
      {action ? <div className="notice-action">{action}</div> : null}
    </div>
  );
}

/** An empty page: what it will show, and the command that fills it. */
export function EmptyState({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="empty">
      <h2>{title}</h2>
      {children}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <div className="loading" aria-busy="true">
      Loading {what}…
    </div>
  );
}
