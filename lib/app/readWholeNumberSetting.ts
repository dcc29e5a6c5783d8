/** A numeric setting: its default and the range it must fall in. */
export interface WholeNumberSetting {
  default: number;
  min: number;
  max: number;
}

/**
 * Reads `name` from `env` as a whole number within its range; its default when unset. A value that is not a whole
 * number in range adds a sentence to `problems` (the one error that names every problem) and gives the default.
 */
export function readWholeNumberSetting(
  env: Record<string, string | undefined>,
  name: string,
  setting: WholeNumberSetting,
  problems: string[],
): number {
  const raw = env[name]?.trim();
  if (!raw) return setting.default;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < setting.min || value > setting.max) {
    problems.push(`${name} must be a whole number from ${setting.min} to ${setting.max}`);
    return setting.default;
  }
  return value;
}
