/**
 * The browser-mode app on its demo host for one describe block of the Chromium suites: started (startOnDemoHost)
 * in the block's beforeAll, stopped in its afterAll.
 */
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { startOnDemoHost, type DemoHostApp } from '../support/browserModeApp';

export interface DemoHostSuite {
  /** Set once beforeAll ran: read it inside the tests. */
  readonly page: Page;
  /** The page's uncaught errors so far (see DemoHostApp.pageErrors). */
  readonly errors: Error[];
  byId(testId: string): Locator;
}

export function demoHostSuite(): DemoHostSuite {
  let started: DemoHostApp | undefined;
  const current = (): DemoHostApp => {
    if (!started) throw new Error('the demo host app is not started: use the suite inside its tests');
    return started;
  };
  beforeAll(async () => {
    started = await startOnDemoHost();
  });
  afterAll(async () => {
    await started?.app.stop();
  });
  return {
    get page() {
      return current().page;
    },
    get errors() {
      return current().pageErrors;
    },
    byId: (testId) => current().page.locator(`[data-testid="${testId}"]`),
  };
}
