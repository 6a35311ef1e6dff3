// A tiny typed event emitter used by adapters and registries (listeners removed by the returned function).
/** Minimal typed listener registry (adapters, registries): `on` returns the function that removes the listener. */
export interface Emits<E extends { [K in keyof E]: (...args: never[]) => void }> {
  on<K extends keyof E>(event: K, listener: E[K]): () => void;
}

// biome-ignore lint/suspicious/noExplicitAny: listener signatures are checked by the Emits<E> interface.
type AnyListener = (...args: any[]) => void;

export class TypedEmitter<E extends { [K in keyof E]: (...args: never[]) => void }> implements Emits<E> {
  private readonly listeners = new Map<keyof E, Set<AnyListener>>();

  on<K extends keyof E>(event: K, listener: E[K]): () => void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    const l = listener as unknown as AnyListener;
    set.add(l);
    return () => {
      set.delete(l);
    };
  }

  protected emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const l of set) l(...args);
  }
}
