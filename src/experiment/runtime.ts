/**
 * The Temporal SDK's own logging, for a command-line process: at its default level it prints
 * worker state changes and every failed activity attempt with a stack, which would bury
 * netgrow's progress lines; failures reach the user through the workflow's results anyway.
 * NETGROW_DEBUG=1 brings them back.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';

let installed = false;

export function quietTemporalRuntime(): void {
  if (installed) return;
  installed = true;
  const level = process.env.NETGROW_DEBUG ? 'INFO' : 'ERROR';
  try {
    Runtime.install({
      logger: new DefaultLogger(level),
      telemetryOptions: { logging: { filter: { core: level, other: level } } },
    });
  } catch {
    // Already installed by the embedding program (a test harness): keep its choice.
  }
}
