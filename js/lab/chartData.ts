/**
 * What the dashboard's charts plot, from the server's answers: the points a
 * scatter can draw (sorted along x, as uPlot wants them), each run's series of
 * an overlay with the values a log axis cannot show taken out, and the point
 * nearest the pointer. No DOM here.
 */

import type { RunSeries, ScatterPoint } from "./api";
import { extent } from "./ticks";

export type PlottedPoint = ScatterPoint & { x: number; y: number };

export interface ScatterData {
  /** Drawable points in ascending x (run number breaks a tie). */
  points: PlottedPoint[];
  /** Runs without a drawable value on either axis. */
  missing: number;
}

function drawable(value: number | null, log: boolean): value is number {
  return value !== null && Number.isFinite(value) && (!log || value > 0);
}

export function scatterData(
  points: readonly ScatterPoint[],
  logX: boolean,
  logY: boolean,
): ScatterData {
  const shown = points.filter((p): p is PlottedPoint => drawable(p.x, logX) && drawable(p.y, logY));
  shown.sort((a, b) => a.x - b.x || a.number - b.number);
  return { points: shown, missing: points.length - shown.length };
}

/** One run's series as uPlot plots it: null where a value is missing, not finite or not > 0 on a log axis. */
export function plottedSeries(series: RunSeries, logY: boolean): [number[], (number | null)[]] {
  return [series.x.slice(), series.y.map((v) => (drawable(v, logY) ? v : null))];
}

/** How many values of `ys` are drawn. */
export function pointCount(ys: readonly (number | null | undefined)[]): number {
  let count = 0;
  for (const v of ys) if (v !== null && v !== undefined) count++;
  return count;
}

/** X values all positive and three or more decades apart (a sweep's log-uniform alpha). */
export function spansDecades(xs: readonly (number | null)[]): boolean {
  const finite = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  const range = extent(finite);
  if (finite.length < 3 || range === null || range[0] <= 0) return false;
  return range[1] / range[0] >= 1000;
}

/**
 * The index of the point nearest (`left`, `top`) among points at pixel positions
 * `px`, `py`, if one is within `radius` pixels; -1 otherwise.
 */
export function nearestPoint(
  px: readonly number[],
  py: readonly number[],
  left: number,
  top: number,
  radius: number,
): number {
  let found = -1;
  let best = Infinity;
  px.forEach((x, i) => {
    const dx = x - left;
    const dy = (py[i] ?? Infinity) - top;
    const distance = dx * dx + dy * dy;
    // The first of equally near points (the earlier run) wins.
    if (distance < best && distance <= radius * radius) {
      best = distance;
      found = i;
    }
  });
  return found;
}
