// A bound on a promise: rejects with HubError("TIMEOUT") when it has not settled in time (the promise
// itself keeps running; callers use this where waiting longer would block a stop or a save).
import { HubError } from "./errors.js";

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new HubError("TIMEOUT", `timed out after ${ms} ms`)), ms);
    t.unref?.();
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}
