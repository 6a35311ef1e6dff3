// The hot-reloading registry of rule sets (one per connector type = one file in the rules directory,
// plus the fragments in rules/fragments/ it extends). Modelled on Alertmanager's reloader and Cerbos'
// dirwatch: debounced file events, serialized reloads, every fallible step before the swap, per-set
// isolation, last-known-good on error, status per type; a fragment change reloads every set using it.
import { readdir } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { type FSWatcher, watch as chokidarWatch } from "chokidar";
import { HubError } from "../../common/errors.js";
import { type Logger, logger } from "../../common/log.js";
import { formatDiagnostic, type RuleDiagnostic } from "./diagnostics.js";
import { type ExplainInput, type Explanation, explainRuleSet } from "./explain.js";
import { FRAGMENTS_DIR, fragmentName } from "./fragments.js";
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
  /** Fragments the last attempt reached (directly or through other fragments); editing one reloads this set. */
  fragments: string[];
  /** When a reload attempt last succeeded (ISO), also when nothing changed; null while none did. */
  lastReloadSuccessAt: string | null;
  /** Failed reload attempts (invalid or deleted file) since the registry started. */
  reloadFailures: number;
}

/** Outcome of reloading one type (reloadAll, POST /api/rule-sets/reload). */
export interface ReloadResult {
  id: string;
  /** The file on disk (with its fragments) is what is served now. */
  ok: boolean;
  /** Active revision after the attempt (the last good one when it failed; 0 = none). */
  revision: number;
  /** Config hash of the active revision (null = none active). */
  hash: string | null;
  /** First error, `file:line:column message` with paths relative to the rules directory. */
  error?: string;
}

export interface RuleRegistryOptions {
  /** Quiet period after the last file event before reloading (default 150 ms). */
  debounceMs?: number;
  log?: Logger;
  now?: () => Date;
}

const RULE_FILE = /\.ya?ml$/i;
/** How long after a burst of file events the files are looked at once more (see flush). */
const SETTLE_MS = 400;

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
  /** Rule-set files and fragment names changed since the last flush. */
  private readonly pending = new Set<string>();
  /** Per set: the hash of what its last reload attempt read (set + fragments). */
  private readonly attempted = new Map<string, string>();
  private settleTimer: NodeJS.Timeout | undefined;
  private readonly pendingFragments = new Set<string>();
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

  /** Watch `dir` and its fragments/ folder (loading first if needed); resolves once the watcher is ready. */
  async watch(dir?: string): Promise<void> {
    const target = resolve(dir ?? this.directory ?? ".");
    if (this.directory !== target || this.statuses.size === 0) await this.load(target);
    if (this.watcher) await this.watcher.close();
    const fragments = join(target, FRAGMENTS_DIR);
    // depth 1 reaches rules/fragments/*; files in any other sub-folder are ignored below.
    const w = chokidarWatch(target, { ignoreInitial: true, depth: 1 });
    this.watcher = w;
    const onEvent = (path: string) => {
      const file = resolve(path);
      if (!RULE_FILE.test(file)) return;
      if (dirname(file) === target) this.pending.add(file);
      else if (dirname(file) === fragments) this.pendingFragments.add(fragmentName(file));
      else return;
      this.schedule();
    };
    w.on("add", onEvent).on("change", onEvent).on("unlink", onEvent);
    w.on("unlinkDir", (path) => {
      // The whole fragments/ folder went away: every fragment any set uses is gone.
      if (resolve(path) !== fragments) return;
      for (const s of this.statuses.values()) for (const f of s.fragments) this.pendingFragments.add(f);
      this.schedule();
    });
    w.on("error", (e) => this.log.error({ err: e }, "rules directory watcher error"));
    await new Promise<void>((res) => w.once("ready", () => res()));
    // Catch edits made between the initial load and the watcher being ready (unchanged files: no swap).
    await this.enqueue(await this.allFiles(target));
    this.log.info({ dir: target }, "watching rules directory");
  }

  /** Rule files on disk plus the ones known (a deleted file must be reloaded to be reported missing). */
  private async allFiles(dir: string): Promise<string[]> {
    const known = [...this.statuses.values()].map((s) => s.file);
    const onDisk = await this.ruleFiles(dir).catch(() => [] as string[]);
    return [...new Set([...onDisk, ...known])];
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), this.debounceMs);
  }

  private flush(): void {
    this.timer = undefined;
    const files = new Set(this.pending);
    // A fragment change reloads every set whose last attempt reached it (also sets that failed because
    // it was missing, so adding the fragment back heals them).
    for (const s of this.statuses.values())
      if (s.fragments.some((f) => this.pendingFragments.has(f))) files.add(s.file);
    this.pending.clear();
    this.pendingFragments.clear();
    if (files.size === 0) return;
    // A file event only matters when the content differs from what the last attempt read (editors write
    // twice, the settle check below may have been first): reloading the same bytes again would only
    // count the same failure twice.
    void this.enqueue([...files], { onlyIfChanged: true });
    // chokidar can drop the event of a second write that lands within a few ms of the first (seen with
    // two quick saves): look at the same files once more after the burst, and reload only what changed
    // since the last attempt, so a dropped event cannot leave an edit unserved.
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      void this.enqueue([...files], { onlyIfChanged: true });
    }, SETTLE_MS);
    this.settleTimer.unref?.();
  }

  /** Reload specific rule-set files now (serialized behind any running reload). */
  reload(files: string[]): Promise<ReloadResult[]> {
    return this.enqueue(files.map((f) => resolve(f)));
  }

  /**
   * Re-read every rule set and the fragments it extends, now: what POST /api/rule-sets/reload calls and
   * what the start command's SIGHUP handler is to call. Each set keeps its own last-known-good; one
   * failing set does not stop the others. Sorted by id.
   */
  async reloadAll(): Promise<ReloadResult[]> {
    if (!this.directory) return [];
    const results = await this.enqueue(await this.allFiles(this.directory));
    return results.sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Resolves when no reload is pending or running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.timer || this.pending.size || this.pendingFragments.size)
      await new Promise((r) => setTimeout(r, this.debounceMs / 2));
    await this.queue;
  }

  private enqueue(files: string[], opts: { onlyIfChanged?: boolean } = {}): Promise<ReloadResult[]> {
    const run = this.queue.then(async () => {
      const results: ReloadResult[] = [];
      for (const f of files) {
        if (this.closed) break;
        try {
          const r = await this.reloadFile(f, opts.onlyIfChanged);
          if (r) results.push(r);
        } catch (e) {
          this.log.error({ err: e, file: f }, "unexpected error while reloading a rule set");
        }
      }
      return results;
    });
    this.queue = run.then(() => undefined);
    return run;
  }

  /** A file name as the Info page and reload results show it: relative to the rules directory. */
  displayPath(file: string): string {
    if (!this.directory) return file;
    const rel = relative(this.directory, file);
    return rel && !rel.startsWith("..") ? rel : file;
  }

  private result(id: string, ok: boolean, error?: RuleDiagnostic): ReloadResult {
    const rs = this.active.get(id);
    return {
      id,
      ok,
      revision: rs?.revision ?? 0,
      hash: rs?.hash ?? null,
      ...(error ? { error: formatDiagnostic(error, (f) => this.displayPath(f)) } : {}),
    };
  }

  private async reloadFile(file: string, onlyIfChanged = false): Promise<ReloadResult | undefined> {
    const id = idFromFile(file);
    const at = this.now().toISOString();
    const current = this.active.get(id);
    const prev = this.statuses.get(id);
    const result = await loadRuleSetFile(file, { revision: (current?.revision ?? 0) + 1, expectedId: id });
    const hash = result.ok ? result.ruleSet.hash : result.hash;
    if (onlyIfChanged && this.attempted.get(id) === hash) return undefined;
    this.attempted.set(id, hash);
    // Reload bookkeeping carried from status to status (metrics read it).
    const book = (ok: boolean) => ({
      fragments: result.fragments,
      lastReloadSuccessAt: ok ? at : (prev?.lastReloadSuccessAt ?? null),
      reloadFailures: (prev?.reloadFailures ?? 0) + (ok ? 0 : 1),
    });

    if (!result.ok && result.errors[0]?.code === "RULES_FILE_MISSING") {
      if (!current) {
        this.statuses.delete(id);
        this.log.info({ id, file }, "rule file removed (it never loaded)");
        return undefined;
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
        ...book(false),
        // A deleted set no longer depends on anything; keep what it used so the status stays readable.
        fragments: prev?.fragments ?? [],
      });
      this.log.warn(
        { id, file, revision: current.revision },
        "rule file deleted; keeping the last good revision",
      );
      return this.result(id, false, err);
    }

    if (!result.ok) {
      // Same bytes as what is served (e.g. an editor rewrote the file): nothing to report.
      if (current && result.hash === current.hash)
        return this.result(id, prev?.state === "ok", prev?.lastError ?? undefined);
      const errors = result.errors.map((d) => info(d, at));
      this.setStatus(id, {
        ...this.baseStatus(id, file, current),
        state: "invalid",
        fileMissing: false,
        lastError: errors[0] ?? null,
        errors,
        warnings: result.warnings,
        lastAttemptAt: at,
        ...book(false),
      });
      this.log.warn(
        { id, file, revision: current?.revision ?? 0, errors: errors.map((e) => e.formatted) },
        current ? "rule set invalid; keeping the last good revision" : "rule set invalid; type not active",
      );
      return this.result(id, false, errors[0]);
    }

    if (current && result.ruleSet.hash === current.hash) {
      // Unchanged content (duplicate event, or the file was fixed back to the served version): no swap.
      this.setStatus(id, {
        ...this.baseStatus(id, file, current),
        warnings: current.warnings.slice(),
        lastAttemptAt: at,
        ...book(true),
      });
      return this.result(id, true);
    }
    const rs = result.ruleSet;
    this.active.set(id, rs); // the atomic swap: one Map.set of an immutable, fully built rule set
    this.setStatus(id, {
      ...this.baseStatus(id, file, rs),
      warnings: result.warnings,
      lastAttemptAt: at,
      ...book(true),
    });
    this.log.info(
      {
        id,
        file,
        revision: rs.revision,
        hash: rs.hash,
        fragments: result.fragments,
        warnings: result.warnings.map((w) => formatDiagnostic(w)),
      },
      current ? "rule set reloaded" : "rule set loaded",
    );
    for (const l of this.listeners) {
      try {
        l(id);
      } catch (e) {
        this.log.error({ err: e, id }, "onSwap listener failed");
      }
    }
    return this.result(id, true);
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
      fragments: [],
      lastReloadSuccessAt: null,
      reloadFailures: 0,
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
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.timer = undefined;
    this.settleTimer = undefined;
    this.pending.clear();
    this.pendingFragments.clear();
    await this.watcher?.close();
    this.watcher = undefined;
    await this.queue;
  }
}

function info(d: RuleDiagnostic, at: string, message?: string): RuleErrorInfo {
  const m = message ?? d.message;
  return { ...d, message: m, at, formatted: formatDiagnostic({ ...d, message: m }) };
}
