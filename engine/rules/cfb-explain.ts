// "Where do Alice's calls go during a Teams call?": the CFB plan of a decision in words, for `rules explain`
// and the Info view. With one user's facts it is that user's plan; without, the two cases that matter to an
// admin: a user with a busy destination of their own, and one without (the connector's default set).
import { type CfbPlan, type CfbPolicy, describeCfbPlan, planCfb } from "./cfb.js";

export interface CfbUserInput {
  /** The user's own busy destination ("" = none). */
  userCfb?: string;
  /** The connector's default destination ("" = none). */
  defaultDestination?: string;
  /** Whether the App object may write call forwards (default true). */
  adminAccess?: boolean;
}

export interface CfbExplanation {
  /** The rule set's policy in words, e.g. "fallback userCfb → connectorDefault; restore: true". */
  policy: string;
  cases: { user: string; plan: CfbPlan; text: string }[];
}

export function explainCfb(policy: CfbPolicy, divert: boolean, user?: CfbUserInput): CfbExplanation {
  const words = `fallback ${policy.fallback.join(" → ")}; restore: ${policy.restore}`;
  if (!divert) return { policy: words, cases: [] };
  const plan = (own: string, def: string, writable: boolean) =>
    planCfb(policy, true, {
      userEntries: own ? [/^\+?[0-9*#]+$/.test(own) ? { e164: own } : { h323: own }] : [],
      defaultDestination: def,
      cfbWritable: writable,
    });
  const cases = user
    ? [
        {
          user: describeUser(user),
          plan: plan(user.userCfb ?? "", user.defaultDestination ?? "", user.adminAccess ?? true),
        },
      ]
    : [
        { user: "a user with a busy destination of their own (300 here)", plan: plan("300", "200", true) },
        { user: "a user without one (connector's default destination 200 here)", plan: plan("", "200", true) },
      ];
  return { policy: words, cases: cases.map((c) => ({ ...c, text: describeCfbPlan(c.plan) })) };
}

function describeUser(u: CfbUserInput): string {
  const own = u.userCfb ? `own busy destination ${u.userCfb}` : "no busy destination of their own";
  const def = u.defaultDestination ? `default destination ${u.defaultDestination}` : "no default destination";
  return `a user with ${own}; connector with ${def}${u.adminAccess === false ? ", no Admin access" : ""}`;
}
