// The CFB planner: what a rule set's `cfb` block means for one user and one decision, as a pure function of
// the policy, the decision and the user's PBX facts (per-user data never enters the rule conditions, so the
// decision table stays valid for every user — docs/rules.md § Facts). The sync core applies the plan; nothing
// outside the rule set decides CFB behaviour.
//
// Semantics (docs/rules.md § CFB policy):
// * The plan applies while the decision diverts: a PBX activity is set and the rule says `cfb: ensure`.
// * The first step of `fallback` that exists supplies the destination:
//   - userCfb: the user has a CFB entry of their own. The PBX uses it; the hub adds nothing.
//   - connectorDefault: the connector has a default destination and the PBX lets the hub write call
//     forwards (Admin access). The hub adds an entry to it for as long as it diverts. When the policy puts
//     connectorDefault before userCfb (or leaves userCfb out), every diverted call must reach the default
//     destination even if the user has entries of their own: the entry "takes precedence" (the PBX's
//     admin-CF-beats-user-CF flag, innovaphone 12r2+); the user's entries are left untouched.
// * No step exists: the presence is still set, no entry is added, and `gap` says why (endpoint warning).
// * restore (default true): an entry the hub added is removed once no plan wants it any more. With
//   restore false it stays on the PBX and the hub forgets it (it is the user's from then on).
import type { CfbEntry } from "../ports/adapters.js";
import { plainCfbEntry } from "../ports/adapters.js";
import type { CfbFallbackStep } from "./document.js";

export interface CfbPolicy {
  fallback: readonly CfbFallbackStep[];
  /** Remove a CFB entry the hub added once the presence is cleared. */
  restore: boolean;
}

/** The policy of a rule set without a `cfb` block (and of the built-in undo). */
export const DEFAULT_CFB_POLICY: CfbPolicy = Object.freeze({
  fallback: Object.freeze(["userCfb", "connectorDefault"]) as readonly CfbFallbackStep[],
  restore: true,
});

/** What the planner needs to know of one user and their connector. */
export interface CfbFacts {
  /** The user's own CFB entries (the hub's own excluded); null while the PBX has not reported the user. */
  userEntries: readonly CfbEntry[] | null;
  /** The connector's default destination number ("" = none). */
  defaultDestination: string;
  /** False while the PBX refuses the hub's call-forward changes (App object without Admin access). */
  cfbWritable: boolean;
}

export type CfbGap = "NO_CFB_DESTINATION" | "CFB_FALLBACK_UNAVAILABLE";

export interface CfbPlan {
  /** The decision diverts calls: a PBX activity is set and the rule says `cfb: ensure`. */
  divert: boolean;
  /** Where diverted calls go, or null (not diverting, or no step of the chain exists). */
  destination: string | null;
  /** Which fallback step supplied the destination. */
  source: CfbFallbackStep | null;
  /** The entry the hub must hold on the PBX while this plan is in force; null = none. */
  entry: CfbEntry | null;
  /** Remove the hub's entry once no plan wants it (the rule set's `restore`). */
  restore: boolean;
  /** Why a diverting plan has no destination; null otherwise. */
  gap: CfbGap | null;
}

/** The plan when nothing diverts (the hub's entry, if any, goes — or stays, with restore false). */
export function idlePlan(policy: CfbPolicy): CfbPlan {
  return policy.restore ? IDLE_RESTORE : IDLE_KEEP;
}

const IDLE_RESTORE: CfbPlan = Object.freeze({
  divert: false,
  destination: null,
  source: null,
  entry: null,
  restore: true,
  gap: null,
});
const IDLE_KEEP: CfbPlan = Object.freeze({ ...IDLE_RESTORE, restore: false });

/** Plan Call Forward Busy for one user and one decision. Pure. */
export function planCfb(policy: CfbPolicy, divert: boolean, facts: CfbFacts): CfbPlan {
  if (!divert) return idlePlan(policy);
  // Unknown user (not replicated yet): nothing to decide on; the plan is made again when the user arrives.
  if (facts.userEntries === null)
    return { divert: true, destination: null, source: null, entry: null, restore: policy.restore, gap: null };
  const own = facts.userEntries?.find(usableOwnEntry);
  const defaultDestination = facts.defaultDestination.trim();
  let gap: CfbGap = "NO_CFB_DESTINATION";
  for (const step of policy.fallback) {
    if (step === "userCfb") {
      if (own) return plan(policy, step, own.e164 || own.h323 || "", null);
    } else if (defaultDestination && defaultDestination !== "-") {
      if (!facts.cfbWritable) {
        gap = "CFB_FALLBACK_UNAVAILABLE";
        continue;
      }
      const entry = plainCfbEntry(defaultDestination);
      if (defaultOverridesUser(policy)) entry.precedence = true;
      return plan(policy, step, defaultDestination, entry);
    }
  }
  return { divert: true, destination: null, source: null, entry: null, restore: policy.restore, gap };
}

function plan(
  policy: CfbPolicy,
  source: CfbFallbackStep,
  destination: string,
  entry: CfbEntry | null,
): CfbPlan {
  return { divert: true, destination, source, entry, restore: policy.restore, gap: null };
}

/** connectorDefault before userCfb, or userCfb not in the chain: the default destination wins for every call. */
export function defaultOverridesUser(policy: CfbPolicy): boolean {
  const user = policy.fallback.indexOf("userCfb");
  return user < 0 || policy.fallback.indexOf("connectorDefault") < user;
}

/** An own entry the PBX can divert to: a destination, and not the "do not forward" marker `-`. */
function usableOwnEntry(e: CfbEntry): boolean {
  const d = e.e164 || e.h323;
  return !!d && d !== "-";
}

/** Same entry? Every normalized field, so the hub never mistakes a look-alike with a Boolean or filter. */
export function sameCfbEntry(a: CfbEntry | null | undefined, b: CfbEntry | null | undefined): boolean {
  if (!a || !b) return !a && !b;
  return (
    (a.e164 ?? "") === (b.e164 ?? "") &&
    (a.h323 ?? "") === (b.h323 ?? "") &&
    (a.bool ?? "") === (b.bool ?? "") &&
    !!a.boolNot === !!b.boolNot &&
    !!a.precedence === !!b.precedence &&
    !!a.filtered === !!b.filtered
  );
}

export function samePlan(a: CfbPlan, b: CfbPlan): boolean {
  return (
    a.divert === b.divert &&
    a.destination === b.destination &&
    a.source === b.source &&
    a.restore === b.restore &&
    a.gap === b.gap &&
    sameCfbEntry(a.entry, b.entry)
  );
}

const SOURCE_WORDS: Record<CfbFallbackStep, string> = {
  userCfb: "own busy destination",
  connectorDefault: "connector's default destination",
};

/** "calls to 200 (connector's default destination, added by the hub)" — for reasons, explain and the UI. */
export function describeCfbPlan(p: CfbPlan): string {
  if (!p.divert) return "";
  if (!p.destination || !p.source) {
    if (p.gap === "CFB_FALLBACK_UNAVAILABLE")
      return "no busy destination (the App object lacks Admin access to add the default destination)";
    if (p.gap === "NO_CFB_DESTINATION")
      return "no busy destination (none of the rule set's fallback steps exists)";
    return "busy destination not known yet (the PBX has not reported the user)";
  }
  const how = p.entry
    ? `, added by the hub${p.entry.precedence ? " and taking precedence" : ""}${p.restore ? "" : ", kept afterwards"}`
    : "";
  return `calls to ${p.destination} (${SOURCE_WORDS[p.source]}${how})`;
}
