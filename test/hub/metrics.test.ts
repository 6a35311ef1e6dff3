// Hub metrics: every hub's registry serves the process metrics, and a dropped hub's registry is not kept
// alive by them (prom-client's GC metric installs a PerformanceObserver that is never disconnected; when it
// observed into a hub's own registry, every closed hub stayed reachable — ≈ 27 MB at 10,000 endpoints).
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { HubMetrics } from "../../server/hub/metrics.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

describe("hub metrics", () => {
  it("every hub's registry serves the process metrics", async () => {
    const sample = () => ({ pending: 0, failing: 0, endpoints: 0, enabled: 0 });
    for (const m of [new HubMetrics(sample), new HubMetrics(sample)]) {
      const text = await m.registry.metrics();
      expect(text).toMatch(/^presence_hub_process_cpu_user_seconds_total /m);
      expect(text).toMatch(/^# TYPE presence_hub_nodejs_gc_duration_seconds histogram/m);
      expect(text).toMatch(/^presence_hub_sync_pending 0/m);
    }
  });

  it("a dropped hub's metrics (and what their callbacks reach) can be collected", async () => {
    // Created in a helper so no variable of this test keeps the last one alive.
    const open = async (i: number) => {
      const hubState = { big: new Array(1000).fill(i) };
      const m = new HubMetrics(() => ({ pending: hubState.big.length, failing: 0, endpoints: 0, enabled: 0 }));
      await m.registry.metrics();
      return new WeakRef(hubState);
    };
    const refs = [await open(1), await open(2), await open(3)];
    for (let i = 0; i < 5 && refs.some((r) => r.deref()); i++) {
      await new Promise((r) => setTimeout(r, 20));
      gc();
    }
    expect(refs.filter((r) => r.deref()).length).toBe(0);
  });
});
