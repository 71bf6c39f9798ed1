// Long-running CLI verbs (get -w, logs -f) run until the user stops them: SIGINT (Ctrl-C) or SIGTERM
// end them normally, with exit code 0, after they have closed what they opened.

/** Resolves on the first SIGINT/SIGTERM (or when `abort` fires); the handlers are removed either way. */
export function untilStopped(abort?: AbortSignal): { stopped: Promise<void>; dispose(): void } {
  let done!: () => void;
  const stopped = new Promise<void>((r) => (done = r));
  const onSignal = () => finish();
  const finish = () => {
    dispose();
    done();
  };
  const dispose = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    abort?.removeEventListener('abort', finish);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  if (abort?.aborted) finish();
  else abort?.addEventListener('abort', finish, { once: true });
  return { stopped, dispose };
}
