// Bounded string interning for text built per endpoint from a small vocabulary (decision reasons, presence
// keys). A template literal yields a fresh string (a rope of concatenated pieces, ≈ 200 bytes for a
// decision reason) per call; 10,000 endpoints each holding an equal text then cost megabytes. Interning
// keeps one copy per distinct value. Bounded: once `max` distinct values are held (e.g. free-text input),
// new values are returned as they are — still correct, just not shared.
export function interner(max = 1000): (s: string) => string {
  const seen = new Map<string, string>();
  return (s) => {
    const known = seen.get(s);
    if (known !== undefined) return known;
    if (seen.size < max) seen.set(s, s);
    return s;
  };
}
