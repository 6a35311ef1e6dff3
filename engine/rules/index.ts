// Public surface of the rule engine for the rest of the hub (sync core, server, CLI): import from here.
export type { CfbFacts, CfbGap, CfbPlan, CfbPolicy } from "./cfb.js";
export { DEFAULT_CFB_POLICY, describeCfbPlan, idlePlan, planCfb } from "./cfb.js";
export type { RuleDiagnostic } from "./diagnostics.js";
export { formatDiagnostic, RuleSetLoadError } from "./diagnostics.js";
export type { ExplainInput, Explanation, DirectionExplanation, RuleExplanation } from "./explain.js";
export type { LoadResult } from "./loader.js";
export { loadRuleSetFile, loadRuleSetSource } from "./loader.js";
export type { RuleErrorInfo, RuleRegistryOptions, RuleTypeStatus } from "./registry.js";
export { RuleRegistry } from "./registry.js";
export type { CompiledRuleSet, DecisionTables, PbxCell, TeamsCell } from "./table.js";
export type {
  ActiveRuleSet,
  CfbAction,
  PbxPresenceDecision,
  RuleSetSource,
  TeamsPresenceDecision,
} from "./types.js";
