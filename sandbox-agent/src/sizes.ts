/** Sizes as the settings write them: a whole number and k, m or g (powers of 1024). */
const UNITS: Record<string, number> = { k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 };

/** "512m" in bytes; null when it is not such a size. */
export function sizeInBytes(size: string): number | null {
  const match = /^([1-9][0-9]*)([kmg])$/.exec(size);
  return match ? Number(match[1]) * UNITS[match[2]!]! : null;
}
