/** A mocked activity context that keeps quiet: the tests fail activities on purpose. */
import type { Info } from '@temporalio/activity';
import type { Logger } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';

const silent: Logger = {
  log: () => undefined,
  trace: () => undefined,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export function quietActivityEnv(info: Partial<Info> = {}): MockActivityEnvironment {
  return new MockActivityEnvironment(info, { logger: silent });
}
