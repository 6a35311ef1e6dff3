// One simulated session's PbxApi presence subscriptions (SubscribePresence), by the request's src and by
// user: a presence change looks up its user's subscriptions instead of scanning all (100,000 users).

export interface PresenceSub {
  src: unknown;
  guid: string;
  note: boolean;
  otf: boolean;
}

export class PresenceSubs {
  private readonly byKey = new Map<string, PresenceSub>();
  private readonly byGuid = new Map<string, Set<PresenceSub>>();

  get size(): number {
    return this.byKey.size;
  }

  /** Every subscription with its key (a copy: deleting while iterating is fine). */
  entries(): [string, PresenceSub][] {
    return [...this.byKey];
  }

  ofUser(guid: string): Iterable<PresenceSub> {
    return this.byGuid.get(guid) ?? [];
  }

  set(key: string, sub: PresenceSub): void {
    this.delete(key);
    this.byKey.set(key, sub);
    const set = this.byGuid.get(sub.guid);
    if (set) set.add(sub);
    else this.byGuid.set(sub.guid, new Set([sub]));
  }

  delete(key: string): void {
    const old = this.byKey.get(key);
    if (!old) return;
    this.byKey.delete(key);
    const set = this.byGuid.get(old.guid);
    set?.delete(old);
    if (set?.size === 0) this.byGuid.delete(old.guid);
  }

  clear(): void {
    this.byKey.clear();
    this.byGuid.clear();
  }
}
