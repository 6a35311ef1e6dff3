// PbxApi presence (innovaphone-appwebsocket.md §3): one SubscribePresence per watched user, each with its
// own src because PresenceUpdate carries no sip — the src is the only way to tell users apart.
// SetPresence writes only the hub's own contact slot so the user's own items (tel:, im:, …) survive.
import { HubError } from "../../common/errors.js";
import type { Logger } from "../../common/log.js";
import type { PbxPresenceItem } from "../../engine/ports/adapters.js";
import { type AppMessage, type AppWebsocketClient, newSrc } from "./client.js";

export const PBX_API = "PbxApi";

function s(v: unknown): string {
  return typeof v === "string" ? v : "";
}

/** Parse a PresenceUpdate array, keeping the PBX's order (newest first). */
export function parsePresence(list: unknown): PbxPresenceItem[] {
  if (!Array.isArray(list)) return [];
  const out: PbxPresenceItem[] = [];
  for (const p of list) {
    if (!p || typeof p !== "object") continue;
    const r = p as Record<string, unknown>;
    const item: PbxPresenceItem = { contact: s(r.contact), activity: s(r.activity), note: s(r.note) };
    if (typeof r.status === "string") item.status = r.status;
    out.push(item);
  }
  return out;
}

interface Subscription {
  guid: string;
  h323: string;
  src: string;
}

/** Presence subscriptions of one connection; a reconnect builds a new instance (subscriptions do not survive). */
export class PresenceSubscriptions {
  private readonly subs = new Map<string, Subscription>();
  /** The same subscriptions by src. One shared handler looks the user up here, so a watched user costs no
   * closures (two per user before: ≈ 200 bytes each at 10,000 users). */
  private readonly bySrc = new Map<string, Subscription>();
  private readonly handler = (msg: AppMessage) => {
    const sub = typeof msg.src === "string" ? this.bySrc.get(msg.src) : undefined;
    if (!sub) return;
    if (msg.mt === "PresenceUpdate") this.onPresence(sub.guid, parsePresence(msg.presence));
    else if (msg.mt === "PresenceState" && msg.up === false) {
      this.log.info({ guid: sub.guid }, "PBX presence monitor down for user (visibility or unknown user?)");
    }
  };

  constructor(
    private readonly client: AppWebsocketClient,
    private readonly onPresence: (guid: string, items: PbxPresenceItem[]) => void,
    private readonly log: Logger,
    private readonly timeoutMs?: number,
  ) {}

  has(guid: string): boolean {
    return this.subs.has(guid);
  }

  guids(): string[] {
    return [...this.subs.keys()];
  }

  /** Subscribe one user by h323 name; resolves after SubscribePresenceResult. */
  async subscribe(guid: string, h323: string): Promise<void> {
    if (this.subs.has(guid)) return;
    const src = newSrc(`pres-${guid.slice(0, 8)}`);
    const sub = { guid, h323, src };
    this.subs.set(guid, sub);
    this.bySrc.set(src, sub);
    this.client.listen(src, this.handler);
    try {
      const res = await this.client.request(
        PBX_API,
        "SubscribePresence",
        { sip: h323 },
        { src, timeoutMs: this.timeoutMs },
      );
      if (res.error !== undefined && res.error !== 0) {
        throw new HubError(
          "NOT_FOUND",
          `Presence subscription for ${h323} refused (${s(res.errorText) || String(res.error)})`,
        );
      }
    } catch (e) {
      this.forget(sub);
      throw e;
    }
  }

  private forget(sub: Subscription): void {
    this.client.unlisten(sub.src, this.handler);
    this.bySrc.delete(sub.src);
    if (this.subs.get(sub.guid) === sub) this.subs.delete(sub.guid);
  }

  async unsubscribe(guid: string): Promise<void> {
    const sub = this.subs.get(guid);
    if (!sub) return;
    this.forget(sub);
    // The src form of UnsubscribePresence (SDK14r1 JS doc) plus sip for older PBXs.
    await this.client
      .request(PBX_API, "UnsubscribePresence", { sip: sub.h323 }, { src: sub.src, timeoutMs: this.timeoutMs })
      .catch((e) => this.log.debug({ guid, err: String(e) }, "UnsubscribePresence failed"));
  }
}

/** SetPresence on one contact slot of a user; activity "" clears it. */
export async function setPresence(
  client: AppWebsocketClient,
  target: { h323: string; guid: string },
  contact: string,
  activity: string,
  note: string,
  timeoutMs?: number,
): Promise<void> {
  const res = await client.request(
    PBX_API,
    "SetPresence",
    { ...(target.h323 ? { sip: target.h323 } : { guid: target.guid }), contact, activity, note },
    { timeoutMs },
  );
  if (res.error !== undefined && res.error !== 0 && res.error !== false) {
    const text = s(res.errorText) || String(res.error);
    throw new HubError(
      /not found/i.test(text) ? "NOT_FOUND" : "UPSTREAM",
      `SetPresence for ${target.h323} failed: ${text}`,
    );
  }
}
