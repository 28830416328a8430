/**
 * Headless Chromium for the browser tests: Debian's `chromium` (scripts/setup.sh installs it)
 * driven by playwright-core, with a fresh profile and nothing that phones home. Screenshots
 * go to test-artifacts/browser/ (git-ignored), for a person to look at after a CI run.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { skipWhen } from '../support/skip';

export const CHROMIUM = process.env.NETGROW_CHROMIUM ?? '/usr/bin/chromium';
/** The browser tests' `skip` option: set where there is no Chromium to drive. */
export const noChromium = skipWhen('no-chromium', existsSync(CHROMIUM) ? null : `no ${CHROMIUM}`);
export const ARTIFACTS = resolve(__dirname, '../../test-artifacts/browser');

export async function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  // playwright-core gives every launch a fresh temporary profile (--user-data-dir).
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export const artifact = (name: string) => join(ARTIFACTS, name);
