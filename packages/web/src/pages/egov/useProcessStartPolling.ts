import { useEffect, useState } from 'react';

/**
 * While a submitted case waits for its process to start (a job right after submit), calls `refresh`
 * again and again: at first after half a second, then doubling up to every 10 s. Used by the citizen's
 * case page (the payment link comes with the start) and the caseworker's (the open steps do).
 */
export function useProcessStartPolling(processing: boolean, refresh: () => unknown): void {
  const [polls, setPolls] = useState(0);
  useEffect(() => {
    if (!processing) return;
    const timer = setTimeout(
      () => {
        refresh();
        setPolls((n) => n + 1);
      },
      Math.min(500 * 2 ** polls, 10_000),
    );
    return () => clearTimeout(timer);
  }, [processing, polls, refresh]);
}
