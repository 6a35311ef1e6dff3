// Webhook outage detection for the Teams adapter: every `intervalMs` a validation-style request goes to the
// hub's own public notification URL (answered by the webhook plugin without processing anything). When it
// stops answering Graph cannot reach the hub either, so the adapter polls everyone until it answers again.
import type { HttpTransport } from "./http.js";

export class WebhookProbe {
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    private readonly transport: HttpTransport,
    private readonly url: string,
    private readonly intervalMs: number,
    /** Called after every probe with its result. */
    private readonly result: (ok: boolean) => void,
  ) {}

  start(): void {
    if (this.intervalMs <= 0) return;
    this.running = true;
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    this.timer = setTimeout(async () => {
      const ok = await this.probe();
      if (!this.running) return;
      this.result(ok);
      this.schedule();
    }, this.intervalMs);
    this.timer.unref?.();
  }

  private async probe(): Promise<boolean> {
    const token = `presence-hub probe ${Date.now()}`;
    try {
      const res = await this.transport.request({
        method: "POST",
        url: `${this.url}${this.url.includes("?") ? "&" : "?"}validationToken=${encodeURIComponent(token)}`,
        headers: { "content-type": "text/plain" },
        body: "",
        timeoutMs: 10_000,
      });
      return res.status === 200 && res.body === token;
    } catch {
      return false;
    }
  }
}
