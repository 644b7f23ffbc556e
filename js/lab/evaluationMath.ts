/** The arithmetic of the evaluation charts (evaluation.ts): scales, axis ranges, cell colours. */

import type { EvaluationSeries } from "./api";

/** A linear map from [lo, hi] onto [a, b]. */
export function scale(lo: number, hi: number, a: number, b: number): (v: number) => number {
  const span = hi - lo || 1;
  return (v) => a + ((v - lo) / span) * (b - a);
}

/** The data range of a chart's axis: fixed, or the series' extent padded by 4%. */
export function domain(
  fixed: readonly number[] | null | undefined,
  series: readonly EvaluationSeries[],
  axis: "x" | "y",
): [number, number] {
  if (fixed?.length === 2) return [fixed[0] ?? 0, fixed[1] ?? 1];
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of series) {
    const values = s[axis];
    values.forEach((v, i) => {
      if (v === null) return;
      const e = axis === "y" && s.error ? (s.error[i] ?? 0) : 0;
      lo = Math.min(lo, v - e);
      hi = Math.max(hi, v + e);
    });
    if (axis === "y" && s.style === "bars") lo = Math.min(lo, 0);
  }
  if (!Number.isFinite(lo)) return [0, 1];
  const pad = (hi - lo || Math.abs(hi) || 1) * 0.04;
  return [s0(lo, pad, series, axis), hi + pad];
}

/** Histograms start at 0 exactly; other axes get padding below too. */
function s0(lo: number, pad: number, series: readonly EvaluationSeries[], axis: string): number {
  return axis === "y" && lo === 0 && series.some((s) => s.style === "bars") ? 0 : lo - pad;
}

/** The fill of a heatmap cell holding `share` (0..1) of the largest value. */
export function cellColour(share: number): string {
  const t = Math.max(0, Math.min(1, share));
  // from a pale to a deep blue; cells over half-way get white text
  const mix = (a: number, b: number): number => Math.round(a + (b - a) * t);
  return `rgb(${mix(239, 8)}, ${mix(243, 69)}, ${mix(255, 148)})`;
}
