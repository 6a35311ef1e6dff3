// The hot-reloading registry of rule sets (one per connector type = one file in the rules directory).
// Modelled on Alertmanager's reloader and Cerbos' dirwatch: debounced file events, serialized reloads,
// every fallible step before the swap, per-file isolation, last-known-good on error, status per type.
import { readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type FSWatcher, watch as chokidarWatch } from "chokidar";
import { HubError } from "../../common/errors.js";
import { type Logger, logger } from "../../common/log.js";
import { formatDiagnostic, type RuleDiagnostic } from "./diagnostics.js";
import { type ExplainInput, type Explanation, explainRuleSet } from "./explain.js";
import { idFromFile, loadRuleSetFile } from "./loader.js";
import type { CompiledRuleSet } from "./table.js";
import type { RuleSetSource } from "./types.js";

/** A diagnostic plus when it was recorded and its one-line `file:line:column message` form. */
export interface RuleErrorInfo extends RuleDiagnostic {
  at: string;
  formatted: string;
}

export interface RuleTypeStatus {
  id: string;
  file: string;
  /** Revision of the active rule set; 0 while no version of the file ever loaded. */
  revision: number;
  /** sha256 of the active rule set's source (null while none is active). */
  hash: string | null;
  loadedAt: string | null;
  /** ok = the file on disk is what is served; invalid = file has errors (last good served, if any); missing = file deleted. */
  state: "ok" | "invalid" | "missing";
  /** Whether a rule set of this type is being served. */
  active: boolean;
  fileMissing: boolean;
  /** First error of the last failed attempt (null once the file loads again). */
  lastError: RuleErrorInfo | null;
  /** Every error of the last failed attempt. */
  errors: RuleErrorInfo[];
  warnings: RuleDiagnostic[];
  lastAttemptAt: string | null;
}

export interface RuleRegistryOptions {
  /** Quiet period after the last file event before reloading (default 150 ms). */
  debounceMs?: number;
  log?: Logger;
  now?: () => Date;
}

const RULE_FILE = /\.ya?ml$/i;

export class RuleRegistry implements RuleSetSource {
  private readonly active = new Map<string, CompiledRuleSet>();
  private readonly statuses = new Map<string, RuleTypeStatus>();
  private readonly listeners = new Set<(id: string) => void>();
  private readonly statusListeners = new Set<(status: RuleTypeStatus) => void>();
  private readonly debounceMs: number;
  private readonly log: Logger;
  private readonly now: () => Date;
  private directory: string | undefined;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly pending = new Set<string>();
  /** Reloads run one after another (a chain), so two swaps of one type never interleave. */
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(opts: RuleRegistryOptions = {}) {
    this.debounceMs = opts.debounceMs ?? 150;
    this.log = opts.log ?? logger("rules");
    this.now = opts.now ?? (() => new Date());
  }

  get dir(): string | undefined {
    return this.directory;
  }

  /** Load every rule file of `dir` (each file isolated: one bad file does not stop the others). */
  async load(dir: string): Promise<RuleTypeStatus[]> {
    this.directory = resolve(dir);
    await this.enqueue(await this.ruleFiles(this.directory));
    return this.list();
  }

  private async ruleFiles(dir: string): Promise<string[]> {
    return (await readdir(dir))
      .filter((n) => RULE_FILE.test(n))
      .sort()
      .map((n) => join(dir, n));
  }

  /** Watch `dir` (loading it first if needed); resolves once the watcher is ready. */
  async watch(dir?: string): Promise<void> {
    const target = resolve(dir ?? this.directory ?? ".");
    if (this.directory !== target || this.statuses.size === 0) await this.load(target);
    if (this.watcher) await this.watcher.close();
    const w = chokidarWatch(target, { ignoreInitial: true, depth: 0 });
    this.watcher = w;
    const onEvent = (path: string) => {
      if (!RULE_FILE.test(path) || resolve(path, "..") !== target) return;
      this.pending.add(resolve(path));
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => this.flush(), this.debounceMs);
    };
    w.on("add", onEvent).on("change", onEvent).on("unlink", onEvent);
    w.on("error", (e) => this.log.error({ err: e }, "rules directory watcher error"));
    await new Promise<void>((res) => w.once("ready", () => res()));
    // Catch edits made between the initial load and the watcher being ready (unchanged files: no swap).
    const known = [...this.statuses.values()].map((s) => s.file);
    await this.enqueue([...new Set([...(await this.ruleFiles(target)), ...known])]);
    this.log.info({ dir: target }, "watching rules directory");
  }

  private flush(): void {
    this.timer = undefined;
    const files = [...this.pending];
    this.pending.clear();
    if (files.length) void this.enqueue(files);
  }

  /** Reload specific files now (serialized behind any running reload). */
  reload(files: string[]): Promise<void> {
    return this.enqueue(files.map((f) => resolve(f)));
  }

  /** Resolves when no reload is pending or running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.timer || this.pending.size) await new Promise((r) => setTimeout(r, this.debounceMs / 2));
    await this.queue;
  }

  private enqueue(files: string[]): Promise<void> {
    const run = this.queue.then(async () => {
      for (const f of files) {
        if (this.closed) return;
        try {
          await this.reloadFile(f);
        } catch (e) {
          this.log.error({ err: e, file: f }, "unexpected error while reloading a rule set");
        }
      }
    });
    this.queue = run;
    return run;
  }

  private async reloadFile(file: string): Promise<void> {
    const id = idFromFile(file);
    const at = this.now().toISOString();
    const current = this.active.get(id);
    const prev = this.statuses.get(id);
    const result = await loadRuleSetFile(file, { revision: (current?.revision ?? 0) + 1, expectedId: id });

    if (!result.ok && result.errors[0]?.code === "RULES_FILE_MISSING") {
      if (!current) {
        this.statuses.delete(id);
        this.log.info({ id, file }, "rule file removed (it never loaded)");
        return;
      }
      const err = info(result.errors[0], at, "file was deleted; the last good revision stays active");
      this.setStatus(id, {
        ...this.baseStatus(id, file, current),
        state: "missing",
        fileMissing: true,
        lastError: err,
        errors: [err],
        warnings: prev?.warnings ?? [],
        lastAttemptAt: at,
      });
      this.log.warn(
        { id, file, revision: current.revision },
        "rule file deleted; keeping the last good revision",
      );
      return;
    }

    if (!result.ok) {
      // Same bytes as what is served (e.g. an editor rewrote the file): nothing to report.
      if (current && result.hash === current.hash) return;
      const errors = result.errors.map((d) => info(d, at));
      this.setStatus(id, {
        ...this.baseStatus(id, file, current),
        state: "invalid",
        fileMissing: false,
        lastError: errors[0] ?? null,
        errors,
        warnings: result.warnings,
        lastAttemptAt: at,
      });
      this.log.warn(
        { id, file, revision: current?.revision ?? 0, errors: errors.map((e) => e.formatted) },
        current ? "rule set invalid; keeping the last good revision" : "rule set invalid; type not active",
      );
      return;
    }

    if (current && result.ruleSet.hash === current.hash) {
      // Unchanged content (duplicate event, or the file was fixed back to the served version): no swap.
      this.setStatus(id, {
        ...this.baseStatus(id, file, current),
        warnings: current.warnings.slice(),
        lastAttemptAt: at,
      });
      return;
    }
    const rs = result.ruleSet;
    this.active.set(id, rs); // the atomic swap: one Map.set of an immutable, fully built rule set
    this.setStatus(id, { ...this.baseStatus(id, file, rs), warnings: result.warnings, lastAttemptAt: at });
    this.log.info(
      { id, file, revision: rs.revision, hash: rs.hash, warnings: result.warnings.map((w) => formatDiagnostic(w)) },
      current ? "rule set reloaded" : "rule set loaded",
    );
    for (const l of this.listeners) {
      try {
        l(id);
      } catch (e) {
        this.log.error({ err: e, id }, "onSwap listener failed");
      }
    }
  }

  private setStatus(id: string, status: RuleTypeStatus): void {
    this.statuses.set(id, status);
    for (const l of this.statusListeners) {
      try {
        l(status);
      } catch (e) {
        this.log.error({ err: e, id }, "onStatus listener failed");
      }
    }
  }

  private baseStatus(id: string, file: string, rs: CompiledRuleSet | undefined): RuleTypeStatus {
    return {
      id,
      file,
      revision: rs?.revision ?? 0,
      hash: rs?.hash ?? null,
      loadedAt: rs?.loadedAt ?? null,
      state: "ok",
      active: rs !== undefined,
      fileMissing: false,
      lastError: null,
      errors: [],
      warnings: [],
      lastAttemptAt: null,
    };
  }

  get(id: string): CompiledRuleSet | undefined {
    return this.active.get(id);
  }

  /** Status of every known type (active or with a file on disk), sorted by id. */
  list(): RuleTypeStatus[] {
    return [...this.statuses.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  status(id: string): RuleTypeStatus | undefined {
    return this.statuses.get(id);
  }

  onSwap(listener: (id: string) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Called after every reload attempt of a type (success, failure, deletion) — for metrics and the UI. */
  onStatus(listener: (status: RuleTypeStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => {
      this.statusListeners.delete(listener);
    };
  }

  /** Explain one input against the active rule set of `id` (fresh json-rules-engine Engine per call). */
  async explain(id: string, input: ExplainInput): Promise<Explanation> {
    const rs = this.active.get(id);
    if (!rs) throw new HubError("RULES_UNKNOWN_TYPE", `unknown connector type "${id}"`, { details: { id } });
    return explainRuleSet(rs, input);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
    await this.watcher?.close();
    this.watcher = undefined;
    await this.queue;
  }
}

function info(d: RuleDiagnostic, at: string, message?: string): RuleErrorInfo {
  const m = message ?? d.message;
  return { ...d, message: m, at, formatted: formatDiagnostic({ ...d, message: m }) };
}
