/**
 * Axis ranges and ticks of the Lab's charts: round steps (1, 2 or 5 times a
 * power of ten), whole numbers only on whole-number axes (run numbers,
 * steps), decades on log axes, and never more ticks than the axis has room for.
 */

export interface AxisKind {
  log: boolean;
  /** Every value is a whole number: no ticks between them. */
  integer: boolean;
  /** Epoch seconds (uPlot's time ticks label them). */
  time?: boolean;
}

/** Pixels between two tick labels at the least. */
export const TICK_SPACING = { x: 80, y: 40 } as const;

/** How many ticks fit along `pixels` with labels at least `spacing` apart (two at least). */
export function tickCount(pixels: number, spacing: number): number {
  return Math.max(2, Math.floor(pixels / spacing));
}

/** The smallest step of 1, 2 or 5 times a power of ten that is at least `raw` (1 at least if `integer`). */
export function niceStep(raw: number, integer = false): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw * (1 - 1e-9)) ?? raw;
  return integer ? Math.max(1, Math.round(step)) : step;
}

/** Multiples of the smallest round step within [lo, hi] that gives at most `most` of them. */
export function linearTicks(lo: number, hi: number, most: number, integer = false): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi < lo) return [];
  if (hi === lo) return integer && !Number.isInteger(lo) ? [] : [lo];
  let step = niceStep((hi - lo) / Math.max(1, most), integer);
  let ticks = multiples(lo, hi, step);
  while (ticks.length > Math.max(1, most)) {
    step = niceStep(step * 1.5, integer);
    ticks = multiples(lo, hi, step);
  }
  return ticks;
}

function multiples(lo: number, hi: number, step: number): number[] {
  const ticks: number[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) {
    ticks.push(Number((k * step).toPrecision(12)));
  }
  return ticks;
}

/**
 * Ticks of a log axis over [lo, hi] (both > 0): powers of ten (every other one,
 * or fewer, when there are too many), with 2 and 5 between them when there is
 * room; round values when the axis spans less than two decades.
 */
export function logTicks(lo: number, hi: number, most: number): number[] {
  if (!(lo > 0) || !(hi >= lo) || !Number.isFinite(hi)) return [];
  const first = Math.ceil(Math.log10(lo) - 1e-9);
  const last = Math.floor(Math.log10(hi) + 1e-9);
  const decades = last - first + 1;
  if (decades >= 2) {
    const every = Math.ceil(decades / Math.max(1, most));
    const multiples = decades * 3 <= most ? [1, 2, 5] : [1];
    const ticks: number[] = [];
    for (let p = first - 1; p <= last; p++) {
      if ((p - first) % every !== 0) continue;
      for (const m of multiples) {
        const value = Number(`${m}e${p}`);
        if (value >= lo * (1 - 1e-9) && value <= hi * (1 + 1e-9)) ticks.push(value);
      }
    }
    return ticks;
  }
  return linearTicks(lo, hi, most).filter((t) => t > 0);
}

/** The ticks of an axis over [lo, hi] with room for `most`. */
export function axisTicks(lo: number, hi: number, most: number, kind: AxisKind): number[] {
  return kind.log ? logTicks(lo, hi, most) : linearTicks(lo, hi, most, kind.integer);
}

/**
 * The range an axis shows for data in [min, max]: 5% of room either side, and
 * for one value (one run, a constant metric) a window of whole steps around it
 * (1 either side of a whole number, a decade either side on a log axis, the
 * value's order of magnitude otherwise, a minute either side of a time), never
 * a 0.9-1.1 sliver.
 */
export function paddedRange(min: number, max: number, kind: AxisKind): [number, number] {
  if (kind.log) {
    if (min === max) return [min / 10, max * 10];
    const pad = (Math.log10(max) - Math.log10(min)) * 0.05;
    return [min / Math.pow(10, pad), max * Math.pow(10, pad)];
  }
  if (min === max) {
    if (kind.time === true) return [min - 60, max + 60];
    const pad = kind.integer || min === 0 ? 1 : Math.pow(10, Math.floor(Math.log10(Math.abs(min))));
    return [min - pad, max + pad];
  }
  const pad = (max - min) * 0.05;
  return [min - pad, max + pad];
}

/** [min, max] of the finite values (on a log axis, of the positive ones); null when there are none. */
export function extent(values: Iterable<number | null>, log = false): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v === null || !Number.isFinite(v) || (log && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

/** Every finite value is a whole number (and there is one at least). */
export function wholeNumbers(values: Iterable<number | null>): boolean {
  let any = false;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue;
    if (!Number.isInteger(v)) return false;
    any = true;
  }
  return any;
}
