// Merges a rule set with the fragments it extends into the one document the checks, the compiler and the
// Info view see, and remembers where every entry came from. Merge order (docs/rules.md "Composition"):
// rules and tests of the fragments in `extend` order (a fragment's own extends before it), then the set's
// own; `words` merged key by key, later wins; `cfb` is the set's own block if it has one, else the last
// fragment's that has one. Duplicate rule names are left to the semantic check, which names both places.
import type { SourcePosition } from "./diagnostics.js";
import type { CfbPolicyDoc, PbxRuleDoc, RuleSetDoc, RuleTestDoc, TeamsRuleDoc } from "./document.js";
import type { FragmentPart } from "./fragments.js";
import {
  type ComposedView,
  locate,
  type ParsedSource,
  type PathSegment,
  type Placement,
} from "./yaml-source.js";

/** Where one entry of a composed rule set was written (paths relative to the rules directory). */
export interface Origin {
  /** `innovaphone-dnd.yaml` or `fragments/pbx-call.yaml`. */
  file: string;
  /** The fragment's name; absent for the set's own entries. */
  fragment?: string;
  line: number;
  column: number;
}

export interface RuleOrigins {
  /** Parallel to the composed `teamsToPbx.rules` (file order, not priority order). */
  teamsToPbx: Origin[];
  pbxToTeams: Origin[];
  tests: Origin[];
  /** Null only when no file has a cfb block (such a set does not load). */
  cfb: Origin | null;
  words: Record<string, Origin>;
}

/** What the Info view and the API show about a composed rule set. */
export interface CompositionInfo {
  /** The set's own `extend` list as written. */
  extend: string[];
  /** Every fragment merged in, in merge order. */
  fragments: { name: string; file: string; description?: string }[];
  origins: RuleOrigins;
}

/** One file of the composition: the set (no name, no via) or a fragment. */
interface Owner {
  src: ParsedSource;
  fragment?: string;
  via?: SourcePosition[];
}

/** An entry of a composed list: which file it came from and its index there. */
interface Entry {
  owner: Owner;
  index: number;
}

export class Composition implements ComposedView {
  readonly doc: RuleSetDoc;
  readonly info: CompositionInfo;
  private readonly set: Owner;
  private readonly entries: Record<"teamsToPbx" | "pbxToTeams" | "tests", Entry[]>;
  private cfbOwner: Owner | undefined;
  private readonly wordOwners: Map<string, Owner>;

  constructor(setSrc: ParsedSource, setDoc: RuleSetDoc, parts: readonly FragmentPart[]) {
    this.set = { src: setSrc };
    const owners: Owner[] = [...parts.map((p) => ({ src: p.src, fragment: p.name, via: p.via })), this.set];
    const docs = [...parts.map((p) => p.doc), setDoc] as const;
    const teams: TeamsRuleDoc[] = [];
    const pbx: PbxRuleDoc[] = [];
    const tests: RuleTestDoc[] = [];
    const words: Record<string, string> = {};
    let cfb: CfbPolicyDoc | undefined;
    this.entries = { teamsToPbx: [], pbxToTeams: [], tests: [] };
    this.wordOwners = new Map();
    docs.forEach((d, i) => {
      const owner = owners[i]!;
      const add = <T>(list: T[] | undefined, into: T[], entries: Entry[]) =>
        (list ?? []).forEach((item, index) => {
          into.push(item);
          entries.push({ owner, index });
        });
      add(d.teamsToPbx?.rules, teams, this.entries.teamsToPbx);
      add(d.pbxToTeams?.rules, pbx, this.entries.pbxToTeams);
      add(d.tests, tests, this.entries.tests);
      for (const [k, v] of Object.entries(d.words ?? {})) {
        words[k] = v;
        this.wordOwners.set(k, owner);
      }
      if (d.cfb) {
        cfb = d.cfb;
        this.cfbOwner = owner;
      }
    });
    const doc: RuleSetDoc = {
      ...setDoc,
      teamsToPbx: { ...setDoc.teamsToPbx, rules: teams },
      pbxToTeams: { ...setDoc.pbxToTeams, rules: pbx },
      tests,
    };
    if (Object.keys(words).length) doc.words = words;
    if (cfb) doc.cfb = cfb;
    this.doc = doc;
    this.info = {
      extend: [...(setDoc.extend ?? [])],
      fragments: parts.map((p) => ({
        name: p.name,
        file: p.src.name,
        ...(p.doc.description ? { description: p.doc.description } : {}),
      })),
      origins: this.origins(),
    };
  }

  /** Where `path` of the composed document is written (for diagnostics). */
  place(path: readonly PathSegment[]): Placement {
    const [a, b, ...rest] = path;
    if ((a === "teamsToPbx" || a === "pbxToTeams") && b === "rules" && typeof rest[0] === "number") {
      const e = this.entries[a][rest[0]];
      if (e) return this.at(e.owner, [a, "rules", e.index, ...rest.slice(1)]);
    }
    if (a === "tests" && typeof b === "number") {
      const e = this.entries.tests[b];
      if (e) return this.at(e.owner, ["tests", e.index, ...rest]);
    }
    if (a === "cfb" && this.cfbOwner) return this.at(this.cfbOwner, path);
    if (a === "words" && typeof b === "string") {
      const owner = this.wordOwners.get(b);
      if (owner) return this.at(owner, path);
    }
    return this.at(this.set, path);
  }

  private at(owner: Owner, path: readonly PathSegment[]): Placement {
    return { src: owner.src, path, ...(owner.via ? { via: owner.via } : {}) };
  }

  private origins(): RuleOrigins {
    const origin = (owner: Owner, path: PathSegment[], key = false): Origin => {
      const { line, column } = locate(owner.src, path, { key });
      return { file: owner.src.name, ...(owner.fragment ? { fragment: owner.fragment } : {}), line, column };
    };
    const list = (name: "teamsToPbx" | "pbxToTeams" | "tests") =>
      this.entries[name].map((e) =>
        origin(e.owner, name === "tests" ? ["tests", e.index] : [name, "rules", e.index]),
      );
    const words: Record<string, Origin> = {};
    for (const [k, owner] of this.wordOwners) words[k] = origin(owner, ["words", k], true);
    return {
      teamsToPbx: list("teamsToPbx"),
      pbxToTeams: list("pbxToTeams"),
      tests: list("tests"),
      cfb: this.cfbOwner ? origin(this.cfbOwner, ["cfb"], true) : null,
      words,
    };
  }
}
