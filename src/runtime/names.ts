/**
 * names — a name for a container the user did not name: adjective_noun, as Docker's, from
 * short fixed lists, with a number added when the pair is taken. Pure (the caller passes
 * the random source and what is taken).
 * @pure
 */
const ADJECTIVES = ['brave', 'calm', 'eager', 'fond', 'gentle', 'happy', 'jolly', 'keen', 'lucid', 'merry', 'nimble', 'proud', 'quiet', 'sharp', 'tidy', 'witty'];
const NOUNS = ['bell', 'cray', 'dijkstra', 'euler', 'hopper', 'knuth', 'lamport', 'liskov', 'lovelace', 'noether', 'pike', 'ritchie', 'shannon', 'thompson', 'turing', 'wirth'];

export function generateName(random: () => number, taken: (name: string) => boolean): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length) % xs.length]!;
  for (let attempt = 0; ; attempt++) {
    const base = `${pick(ADJECTIVES)}_${pick(NOUNS)}`;
    const name = attempt < 8 ? base : `${base}${attempt}`;
    if (!taken(name)) return name;
  }
}
