/**
 * A small seeded PRNG (mulberry32) so fault injection, latency and trace spreading are
 * reproducible: the same seed gives the same sequence. Not for cryptography.
 */

export type Random = () => number;

/** A generator of numbers in [0, 1) from a 32-bit seed. */
export function createRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stream derived from `seed` and a label, so each kind of decision has its own sequence. */
export function deriveRandom(seed: number, label: string): Random {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return createRandom(h >>> 0);
}

/** A seed for runs that did not give one (reported in the stats, so the run can be repeated). */
export function pickSeed(): number {
  return Math.floor(Math.random() * 0x7fffffff);
}
