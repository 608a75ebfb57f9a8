import { useCallback, useEffect, useState } from 'react';

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => void;
}

/**
 * Runs `load` when `key` changes (a string of everything the call depends on) and keeps the
 * last answer; an answer that arrives after a newer call started is dropped.
 */
export function useApi<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true });
  const [generation, setGeneration] = useState(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `load` is a new closure each render; `key` says when it means something new.
  useEffect(() => {
    let isCurrent = true;
    setState((previous) => ({ ...previous, loading: true }));
    load().then(
      (data) => isCurrent && setState({ data, loading: false }),
      (error: unknown) => isCurrent && setState({ error: error instanceof Error ? error : new Error(String(error)), loading: false }),
    );
    return () => {
      isCurrent = false;
    };
  }, [key, generation]);
  const reload = useCallback(() => setGeneration((value) => value + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}
