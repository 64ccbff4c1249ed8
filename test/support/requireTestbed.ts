/**
 * Test-bed suites run when the QEMU test bed is up (scripts/testbed/testbed.sh up). Under `npm test`
 * (TANDEM_REQUIRE_TESTBED=1) a missing test bed is a failure, never a silent skip.
 */
import { readTestbedEnv, type TestbedEnv } from '../testbed/testbedEnv';

export function testbedOrFail(): TestbedEnv | undefined {
  const env = readTestbedEnv();
  if (!env && process.env.TANDEM_REQUIRE_TESTBED === '1') {
    throw new Error('TANDEM_REQUIRE_TESTBED=1 but the test bed is not up: run `npm run testbed` first');
  }
  return env;
}
