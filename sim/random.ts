/** A seeded source of numbers in [0, 1) (mulberry32): the same seed gives the same account and latencies. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A number in [min, max) drawn from `random`. */
export function between(random: () => number, min: number, max: number): number {
  return min + (max - min) * random();
}

/** Mixes the bits of a 32-bit integer (murmur3's finalizer), so nearby inputs give unrelated outputs. */
function mix32(value: number): number {
  let mixed = value >>> 0;
  mixed ^= mixed >>> 16;
  mixed = Math.imul(mixed, 0x85ebca6b);
  mixed ^= mixed >>> 13;
  mixed = Math.imul(mixed, 0xc2b2ae35);
  mixed ^= mixed >>> 16;
  return mixed >>> 0;
}

/**
 * A number in [0, 1) that depends only on its three inputs: the draw a simulated minute needs (noise, rounding)
 * without walking a generator through every earlier minute, so any minute can be read first and reads repeat.
 */
export function hashedUnit(seed: number, stream: number, index: number): number {
  const mixed = mix32(mix32(mix32(seed ^ 0x9e3779b9) ^ stream) ^ index);
  return mixed / 2 ** 32;
}

/** A 32-bit seed derived from a text (FNV-1a), e.g. a function's name. */
export function seedOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * `value` rounded up or down at random so that the average over many draws is `value` itself (stochastic
 * rounding): 0.2 invocations a minute become 1 in about one minute out of five and 0 in the others.
 */
export function roundAtRandom(value: number, unit: number): number {
  if (value <= 0) return 0;
  const whole = Math.floor(value);
  return whole + (unit < value - whole ? 1 : 0);
}
