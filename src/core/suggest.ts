/** Names close to `wanted` (edit distance, case-insensitive), best first, for "did you mean" hints. */
export function closeNames(wanted: string, candidates: string[], limit = 3): string[] {
  const w = wanted.toLowerCase();
  const scored = candidates
    .map((name) => ({ name, distance: distance(w, name.toLowerCase()) }))
    .filter((c) => c.distance <= Math.max(2, Math.floor(w.length / 3)) || c.name.toLowerCase().includes(w));
  scored.sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name));
  return scored.slice(0, limit).map((c) => c.name);
}

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}
