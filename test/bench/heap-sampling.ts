// Where the hub's memory goes, for the hub bench (`HUB_BENCH_HEAP_PROFILE=<dir>`): V8's sampling heap
// profiler runs from the start of a size's run; at the measuring point the live samples (objects still
// reachable — the profiler drops samples of collected objects) are written as a .heapprofile (open it in
// Chrome DevTools) and summarised by the allocating function, so a missed memory target has its evidence.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { join } from "node:path";

/** Frames from this checkout's own code (not node_modules, not Node's internals). */
const projectRoot = new URL("../../", import.meta.url).href;

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

export interface HeapSampling {
  /** Writes `<dir>/<label>.heapprofile` and returns the top allocation sites of live memory (MB). */
  dump(label: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startHeapSampling(dir: string): Promise<HeapSampling> {
  const session = new Session();
  session.connect();
  // 32 KiB mean interval: fine enough for per-endpoint structures, cheap enough to leave on for a run.
  await session.post("HeapProfiler.startSampling", { samplingInterval: 32 * 1024 });
  return {
    async dump(label) {
      const { profile } = (await session.post("HeapProfiler.getSamplingProfile")) as { profile: { head: ProfileNode } };
      writeFileSync(join(dir, `${label}.heapprofile`), JSON.stringify(profile));
      return summarise(profile.head);
    },
    async stop() {
      await session.post("HeapProfiler.stopSampling").catch(() => undefined);
      session.disconnect();
    },
  };
}

/** Live bytes by allocating frame, attributed to the nearest frame in the project's own code. */
function summarise(head: ProfileNode): string {
  const bySite = new Map<string, number>();
  let total = 0;
  const walk = (node: ProfileNode, ownSite: string | undefined) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const ours = url.startsWith(projectRoot) && !url.includes("/node_modules/") ? `${functionName || "(anonymous)"} ${url.slice(projectRoot.length)}:${lineNumber + 1}` : undefined;
    const site = ours ?? ownSite;
    if (node.selfSize > 0) {
      const key = site ?? `${functionName || "(anonymous)"} ${url.split("/").slice(-2).join("/")}`;
      bySite.set(key, (bySite.get(key) ?? 0) + node.selfSize);
      total += node.selfSize;
    }
    for (const c of node.children) walk(c, site);
  };
  walk(head, undefined);
  const mb = (b: number) => (b / 2 ** 20).toFixed(1);
  const top = [...bySite.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25);
  return [`live sampled ${mb(total)} MB`, ...top.map(([k, v]) => `${mb(v).padStart(7)} MB  ${k}`)].join("\n");
}
