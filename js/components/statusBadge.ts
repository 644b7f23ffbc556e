/** A run status as a coloured pill; the colour names a tone, not a status. */

import { el } from "./dom";

export type StatusTone = "blue" | "green" | "red" | "amber" | "grey";

const TONES: Readonly<Record<string, StatusTone>> = {
  NotStarted: "blue",
  Queued: "blue",
  Preparing: "blue",
  Running: "blue",
  Finalizing: "blue",
  Completed: "green",
  Failed: "red",
  Canceled: "red",
  NotResponding: "amber",
};

const FINAL = new Set(["Completed", "Failed", "Canceled"]);
const WORKING = new Set(["Preparing", "Running", "Finalizing"]);

/** Display order of statuses in summaries: live work first, then outcomes. */
export const STATUS_ORDER: readonly string[] = [
  "Running",
  "Finalizing",
  "Preparing",
  "Queued",
  "NotStarted",
  "NotResponding",
  "Completed",
  "Failed",
  "Canceled",
];

export function statusTone(status: string): StatusTone {
  return TONES[status] ?? "grey";
}

/** Completed, Failed and Canceled never change again (RunStatus.FINAL in Python). */
export function isFinalStatus(status: string): boolean {
  return FINAL.has(status);
}

export function statusBadge(status: string): HTMLSpanElement {
  const badge = el("span");
  updateStatusBadge(badge, status);
  return badge;
}

export function updateStatusBadge(badge: HTMLElement, status: string): void {
  const working = WORKING.has(status) ? " rw-badge-working" : "";
  badge.className = `rw-badge rw-badge-${statusTone(status)}${working}`;
  badge.dataset.status = status;
  badge.textContent = status;
}
