/** Pieces of the sidebar: its rows (an experiment, or one run on two lines) and status chips. */

import { button, el } from "../components/dom";
import {
  durationOf,
  formatCell,
  formatDuration,
  formatShortTimestamp,
  formatTimestamp,
} from "../components/format";
import { STATUS_ORDER, statusBadge, statusTone } from "../components/statusBadge";
import type { ExperimentRow, RunRow } from "./api";

export function experimentNode(experiment: ExperimentRow, open: boolean): HTMLElement {
  const runs = `${experiment.run_count} ${experiment.run_count === 1 ? "run" : "runs"}`;
  const active = experiment.active_count > 0 ? ` · ${experiment.active_count} active` : "";
  // Handled by the sidebar's row click (the row is re-rendered, listeners would not stay).
  const compare = el("span", "rw-sb-compare", "compare");
  compare.dataset.action = "dashboard";
  compare.setAttribute("role", "button");
  compare.tabIndex = 0;
  compare.title = `Open the dashboard of ${experiment.name}: its runs side by side, with charts`;
  const node = el(
    "div",
    `rw-sb-experiment${open ? " rw-open" : ""}`,
    el("span", "rw-sb-caret", open ? "▾" : "▸"),
    withTitle(el("span", "rw-sb-exp-name", experiment.name), experiment.name),
    el("span", "rw-note", runs + active),
    compare,
  );
  node.dataset.experiment = experiment.name;
  node.tabIndex = 0;
  node.setAttribute("role", "button");
  node.setAttribute("aria-expanded", String(open));
  node.title = `${open ? "Hide" : "Show"} the runs of ${experiment.name}`;
  return node;
}

export function runNode(run: RunRow, metric: string): HTMLElement {
  const name = run.display_name ?? run.id;
  let metricNode: HTMLElement | null = null;
  if (metric !== "") {
    metricNode = el("span", "rw-sb-metric", `${metric} `, el("b", "", formatCell(run.metric)));
    metricNode.title = `${metric}: ${formatCell(run.metric)}`;
  }
  const node = el(
    "div",
    "rw-sb-run",
    el(
      "div",
      "rw-sb-line",
      statusBadge(run.status),
      el("span", "rw-sb-num", `#${run.number}`),
      withTitle(el("span", "rw-sb-name", name), name),
    ),
    el(
      "div",
      "rw-sb-line rw-sb-sub",
      el("span", "rw-sb-start", formatShortTimestamp(run.start_time ?? run.created_time)),
      el("span", "rw-sb-duration", formatDuration(durationOf(run))),
      metricNode,
      run.child_count > 0 ? compareChildren(run) : null,
    ),
  );
  node.dataset.runId = run.id;
  node.dataset.experiment = run.experiment;
  node.tabIndex = 0;
  node.title = `Open run ${run.number} · ${run.id}\nstarted ${formatTimestamp(run.start_time)}`;
  return node;
}

/** "compare" on a run with children (a sweep): its trials side by side in the dashboard. */
function compareChildren(run: RunRow): HTMLElement {
  const compare = el("span", "rw-sb-compare rw-sb-compare-trials", "compare");
  compare.dataset.action = "trials";
  compare.setAttribute("role", "button");
  compare.tabIndex = 0;
  compare.title = `Compare the ${run.child_count} child runs of run ${run.number} (a sweep's trials) side by side, with charts`;
  return compare;
}

/** One toggle per status with its count; pressed chips filter the runs to their statuses. */
export function statusChips(
  counts: Readonly<Record<string, number>>,
  chosen: ReadonlySet<string>,
  toggle: (status: string) => void,
): HTMLButtonElement[] {
  const statuses = [
    ...STATUS_ORDER.filter((s) => s in counts),
    ...Object.keys(counts).filter((s) => !STATUS_ORDER.includes(s)),
  ];
  return statuses.map((status) => {
    const on = chosen.has(status);
    const chip = button(`rw-chip rw-chip-${statusTone(status)} rw-sb-chip`, "", () => {
      toggle(status);
    });
    chip.append(el("span", "rw-dot"), `${status} ${counts[status] ?? 0}`);
    chip.dataset.status = status;
    chip.setAttribute("aria-pressed", String(on));
    chip.title = on ? `Stop showing only ${status} runs` : `Show only ${status} runs`;
    return chip;
  });
}

/** A cut-off name shows in full on hover. */
function withTitle(node: HTMLElement, text: string): HTMLElement {
  node.title = text;
  return node;
}
