// "1 user", "2 users": counted nouns in the sentences the hub shows (status lines, event messages).
export function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
