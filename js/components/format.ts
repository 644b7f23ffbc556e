/** Durations, timestamps and numbers as the widget shows them. */

import type { Cell } from "../wire";

export const EMPTY = "—";

/** `seconds` as "12s", "4m 05s", "2h 03m 10s" or "3d 4h 02m". */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return EMPTY;
  // A few seconds below zero come from clock skew between kernel and browser.
  let rest = Math.max(0, Math.floor(seconds));
  const days = Math.floor(rest / 86400);
  rest -= days * 86400;
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  const secs = rest - minutes * 60;
  if (days > 0) return `${days}d ${hours}h ${pad(minutes)}m`;
  if (hours > 0) return `${hours}h ${pad(minutes)}m ${pad(secs)}s`;
  if (minutes > 0) return `${minutes}m ${pad(secs)}s`;
  return `${secs}s`;
}

/** Seconds a run has been going: to its end, or to `now` while it runs; null before it starts. */
export function durationOf(
  run: { start_time: number | null; end_time: number | null },
  now = Date.now() / 1000,
): number | null {
  if (run.start_time === null) return null;
  return (run.end_time ?? now) - run.start_time;
}

/** Epoch seconds as local "YYYY-MM-DD HH:MM:SS". */
export function formatTimestamp(epoch: number | null): string {
  if (epoch === null || !Number.isFinite(epoch)) return EMPTY;
  const d = new Date(epoch * 1000);
  const date = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  return `${date} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Epoch seconds as local time, dropping the date when it is today. */
export function formatShortTimestamp(epoch: number | null, today = new Date()): string {
  const full = formatTimestamp(epoch);
  if (epoch === null || full === EMPTY) return full;
  const d = new Date(epoch * 1000);
  return d.toDateString() === today.toDateString() ? full.slice(11) : full.slice(0, 16);
}

/** Six significant digits, exponent notation for very large or small values. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e9 || abs < 1e-4)) {
    return value.toExponential(4).replace(/\.?0+e/, "e");
  }
  return String(Number(value.toPrecision(6)));
}

export function formatCell(value: Cell | undefined): string {
  if (value === null || value === undefined) return EMPTY;
  if (typeof value === "number") return formatNumber(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  return value;
}

/** Values that are all numbers (or missing), at least one: a right-aligned column. */
export function isNumeric(values: Iterable<Cell | undefined>): boolean {
  let numbers = 0;
  for (const value of values) {
    if (typeof value === "number") numbers++;
    else if (value !== null && value !== undefined) return false;
  }
  return numbers > 0;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
