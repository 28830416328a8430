/**
 * The command-line side of running an experiment: where output goes (results on stdout, or
 * stderr when stdout carries --json; a live block only on a terminal) and Ctrl-C, which asks
 * once for a clean stop and leaves at once on a second press.
 */
import type { ExperimentIO } from '../experiment/run';
import { printable } from './errors';
import { ProgressView } from './progress-view';

export function terminalIO(opts: { json: boolean }): ExperimentIO {
  const stream = opts.json ? process.stderr : process.stdout;
  // A search's failure message reaches these lines: nothing in it may drive the terminal.
  const line = (text: string) => void stream.write(`${printable(text)}\n`);
  return {
    out: line,
    err: (text) => void process.stderr.write(`${printable(text)}\n`),
    progress: (experimentId) =>
      new ProgressView(
        {
          write: (text) => void stream.write(text),
          columns: stream.isTTY && !process.env.NETGROW_PLAIN ? (stream.columns ?? 80) : undefined,
        },
        experimentId,
      ),
  };
}

/** Aborted by the first SIGINT/SIGTERM; the second one exits with 130 straight away. */
export function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
