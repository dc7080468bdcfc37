import { editDistance } from '../lib/mistyped-context-keys';

/** One edit per this many letters of a name, and at least one: a short name tolerates one slip only. */
const LETTERS_PER_EDIT = 3;

/**
 * The name among `names` that `typed` was most likely meant to be (`scna` for scan, `--regoin` for --region), or
 * undefined when it resembles none of them.
 */
export function nearestName(typed: string, names: readonly string[]): string | undefined {
  let nearest: { name: string; distance: number } | undefined;
  for (const name of names) {
    const distance = editDistance(typed.toLowerCase(), name.toLowerCase());
    const allowed = Math.max(1, Math.floor(name.replace(/^-+/, '').length / LETTERS_PER_EDIT));
    if (distance <= allowed && (nearest === undefined || distance < nearest.distance)) {
      nearest = { name, distance };
    }
  }
  return nearest?.name;
}
