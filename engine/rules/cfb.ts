// Resolves a rule set's CFB fallback chain for one user, after the table lookup (per-user data never
// enters the conditions, so the decision table stays valid for every user — anchors.md §0.7).
import type { CfbFallbackStep } from "./document.js";

export interface CfbPolicy {
  fallback: readonly CfbFallbackStep[];
  /** Remove a CFB entry the hub added once the presence is cleared. */
  restore: boolean;
}

export interface CfbResolution {
  /** The destination to divert to, or null when the chain yields nothing. */
  destination: string | null;
  /** Which step of the chain supplied it. */
  source: CfbFallbackStep | null;
}

/** First non-empty destination along the chain: user's own CFB → connector's default destination number. */
export function resolveCfbDestination(
  policy: CfbPolicy,
  candidates: { userCfb?: string | null; connectorDefault?: string | null },
): CfbResolution {
  for (const step of policy.fallback) {
    const v = candidates[step]?.trim();
    if (v && v !== "-") return { destination: v, source: step };
  }
  return { destination: null, source: null };
}
