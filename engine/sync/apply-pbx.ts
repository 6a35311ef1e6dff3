// The apply protocol of the PBX side: bring what the hub set on the PBX (its presence slot, the CFB entry it
// holds) to the desired state, one write at a time, with the intent persisted before every write so a crash
// or a lost reply never leaves an entry the hub cannot account for.
//
// Order matters for callers: going busy, the busy destination exists before the presence that makes the
// PBX divert (1 before 2); going neutral, the presence is cleared before the entry goes (2 before 3); a
// changed plan puts the new entry in place before the old one is removed (1 before 3).
import type { CfbEntry, PbxAdapter, PbxUser } from "../ports/adapters.js";
import { sameCfbEntry } from "../rules/cfb.js";
import type { EndpointState } from "./endpoint.js";
import { sameSlot } from "./facts.js";
import type { PbxSlot } from "./types.js";
import type { RunResult } from "./worker.js";
import type { ApplyContext } from "./writes.js";

/** The PBX an endpoint lives on, as the apply step needs it. */
export interface PbxTarget {
  adapter: PbxAdapter;
  /** PBX users by guid (their CFB entries, from the adapter's `user` events). */
  users: ReadonlyMap<string, PbxUser>;
}

export async function applyPbx(ep: EndpointState, target: PbxTarget, ctx: ApplyContext): Promise<RunResult> {
  const a = target.adapter;
  // Offline: nothing to do now; the adapter's next `synchronized` reconciles everything.
  if (a.status().state !== "online") return "deferred";
  const guid = ep.binding.pbxGuid;
  const write = (
    op: "setPresence" | "addCfb" | "removeCfb",
    detail: Record<string, unknown>,
    fn: () => Promise<unknown>,
  ) => ctx.write(ep, "pbx", op, detail, fn);

  // 0. A crash during addCfb, or a lost reply: adopt the entry that appeared since. Not finding it in the
  // replicated copy proves nothing (the copy can lag behind the PBX), so the intent then stays until the
  // PBX itself answers: an adopting add in step 1, or the removal in step 3.
  const pendingIntent = ep.hub.cfbIntent;
  if (pendingIntent && !ep.hub.cfb) {
    const user = target.users.get(guid);
    if (!user) return "deferred";
    const adopted = user.cfb.find(
      (x) => sameCfbEntry(x, pendingIntent.entry) && !pendingIntent.before.some((b) => sameCfbEntry(b, x)),
    );
    if (adopted) {
      ctx.setHub(ep, { cfb: adopted, cfbIntent: null });
      ep.cfbSeen = adopted;
    }
  }
  const d = ep.desiredPbx;
  if (!d) return "done";
  const want = d.cfb.entry;

  // 1. The entry the plan wants (the CFB planner only asks for one the hub may add: Admin access, a user the
  // PBX reported). Without Admin access the plan asks for none and the presence below is still written.
  if (want && !sameCfbEntry(ep.hub.cfb, want)) {
    // A different entry held under an earlier plan is retired: removed in step 3, once the new one is there.
    if (ep.hub.cfb) ctx.setHub(ep, { cfb: null, cfbRetired: [...ep.hub.cfbRetired, ep.hub.cfb] });
    const before = target.users.get(guid)?.cfb ?? [];
    // After an unresolved attempt for the same entry, an equal entry on the PBX is the hub's own: adopt it
    // rather than add a second one.
    const adoptExisting = sameCfbEntry(ep.hub.cfbIntent?.entry, want);
    const destination = (want.e164 || want.h323) as string;
    ctx.setHub(ep, { cfbIntent: { entry: want, before } });
    let added: CfbEntry | undefined;
    const ok = await write("addCfb", { destination, precedence: !!want.precedence }, async () => {
      added = await a.addCfb(guid, destination, { adoptExisting, precedence: !!want.precedence });
    });
    // A failed addCfb may still have added the entry (reply lost): keep the intent so the retry adopts an
    // entry that appeared for the destination instead of adding a second one.
    if (!ok) return "retry";
    const held = added ?? want;
    ctx.setHub(ep, { cfb: held, cfbIntent: null });
    // The PBX's list may already show it (its update overtook the reply): then it has been seen.
    if (target.users.get(guid)?.cfb.some((e) => sameCfbEntry(e, held))) ep.cfbSeen = held;
  }

  // 2. The hub's presence slot.
  const slot: PbxSlot | null = d.activity ? { activity: d.activity, note: d.note } : null;
  if (ep.hub.pbxDirty || !sameSlot(ep.hub.pbx, slot)) {
    ctx.setHub(ep, { pbxDirty: true });
    const ok = await write("setPresence", { activity: d.activity, note: d.note }, () =>
      a.setPresence(guid, slot?.activity ?? "", slot?.note ?? ""),
    );
    if (!ok) return "retry";
    ctx.setHub(ep, { pbx: slot, pbxDirty: false });
  }

  // 3. Entries the hub holds that the plan no longer wants: retired ones, the held one when the plan wants
  // none, and — after an unresolved attempt — the entry that attempt may have added (removeCfb re-reads the
  // PBX's list). With `restore: false` they stay on the PBX and the hub forgets them.
  const drop: CfbEntry[] = [...ep.hub.cfbRetired];
  if (ep.hub.cfb && !sameCfbEntry(ep.hub.cfb, want)) drop.push(ep.hub.cfb);
  if (ep.hub.cfbIntent && !ep.hub.cfb && !sameCfbEntry(ep.hub.cfbIntent.entry, want))
    drop.push(ep.hub.cfbIntent.entry);
  if (drop.length) {
    if (d.cfb.restore) {
      for (const entry of drop) {
        const ok = await write("removeCfb", { entry }, () => a.removeCfb(guid, entry));
        if (!ok) return "retry";
        ctx.setHub(ep, forget(ep, entry));
      }
    } else {
      ctx.setHub(ep, {
        cfb: sameCfbEntry(ep.hub.cfb, want) ? ep.hub.cfb : null,
        cfbIntent: null,
        cfbRetired: [],
      });
      ctx.notify({
        kind: "cfb.kept",
        endpointId: ep.binding.id,
        connectorId: ep.binding.connectorId,
        entries: drop,
      });
    }
  }
  ctx.notify({ kind: "endpoint.changed", endpointId: ep.binding.id });
  return "done";
}

/** The hub-set patch after `entry` left the PBX: it is no longer held, retired or intended. */
function forget(ep: EndpointState, entry: CfbEntry): Partial<EndpointState["hub"]> {
  const h = ep.hub;
  return {
    cfb: sameCfbEntry(h.cfb, entry) ? null : h.cfb,
    cfbIntent: h.cfbIntent && !h.cfb && sameCfbEntry(h.cfbIntent.entry, entry) ? null : h.cfbIntent,
    cfbRetired: h.cfbRetired.filter((x) => !sameCfbEntry(x, entry)),
  };
}
