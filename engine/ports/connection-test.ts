// The one shape of a connection test that could not run: a single failed "Configuration" step. Used when
// a connector rejects its settings before connecting, and by the hub when a test throws instead of
// reporting (an unknown adapter, a bug): the UI's Test button then still shows a red result, not a 500.
import { errorMessage, isHubError } from "../../common/errors.js";
import type { ConnectionTestResult } from "./adapters.js";

/** A failed test with one "Configuration" step; `summary` defaults to the step's message. */
export function configurationFailure(message: string, summary: string = message): ConnectionTestResult {
  return { ok: false, summary, steps: [{ step: "Configuration", ok: false, level: "error", message }] };
}

/**
 * Runs a connection test; an exception becomes a configurationFailure. A HubError's message is shown as
 * it is (it is written for the admin), anything else as "Test failed: …".
 */
export async function runConnectionTest(test: () => Promise<ConnectionTestResult>): Promise<ConnectionTestResult> {
  try {
    return await test();
  } catch (e) {
    return configurationFailure(isHubError(e) ? e.message : `Test failed: ${errorMessage(e)}`);
  }
}
