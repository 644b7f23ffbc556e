/**
 * Pieces of the run details panel that only render what they are given:
 * the header, the metric summaries with sparklines, and the file list.
 */

import { el, metaItem, setChildren } from "../components/dom";
import { errorBlock } from "../components/errorBlock";
import {
  EMPTY,
  durationOf,
  formatCell,
  formatDuration,
  formatTimestamp,
} from "../components/format";
import { isFinalStatus, updateStatusBadge } from "../components/statusBadge";
import type { ErrorState } from "../wire";
import type {
  FileRow,
  MetricSummary,
  RowChartBody,
  RunDetailsBody,
  RunRow,
  SeriesBody,
} from "./api";
import type { Sparklines } from "./sparkline";

export interface HeaderView {
  readonly el: HTMLElement;
  update(body: RunDetailsBody): void;
  /** Advance the duration of a run that is still going. */
  tick(): void;
}

export function createHeader(actions: HTMLElement): HeaderView {
  const badge = el("span");
  const title = el("span", "rw-title");
  const number = el("span", "rw-subtitle");
  const id = el("span", "rw-meta-value rw-mono rw-lab-run-id");
  const experiment = el("span", "rw-meta-value");
  const type = el("span", "rw-meta-value");
  const created = el("span", "rw-meta-value");
  const started = el("span", "rw-meta-value");
  const ended = el("span", "rw-meta-value");
  const duration = el("span", "rw-meta-value rw-duration");
  const parent = el("span", "rw-meta-value rw-mono");
  const parentItem = metaItem("Parent", parent);
  const errorSlot = el("div", "rw-error-slot");
  const root = el(
    "div",
    "rw-header rw-lab-header",
    el("div", "rw-title-row", badge, title, number, el("span", "rw-spacer"), actions),
    el(
      "div",
      "rw-meta",
      metaItem("Id", id),
      metaItem("Experiment", experiment),
      metaItem("Type", type),
      parentItem,
    ),
    el(
      "div",
      "rw-meta",
      metaItem("Created", created),
      metaItem("Started", started),
      metaItem("Ended", ended),
      metaItem("Duration", duration),
    ),
    errorSlot,
  );
  let run: RunRow | undefined;
  let shownError = "";

  function tick(): void {
    if (run !== undefined) duration.textContent = formatDuration(durationOf(run));
  }

  function update(body: RunDetailsBody): void {
    run = body.run;
    updateStatusBadge(badge, run.status);
    // One number a user refers to, shown once (in the title or beside a name): a sweep's
    // trial goes by its index ("Trial 7"), any other run by its run number.
    const label = body.trial_label ?? `Run ${run.number}`;
    title.textContent = run.display_name ?? label;
    number.textContent = run.display_name === null ? "" : (body.trial_label ?? `#${run.number}`);
    id.textContent = run.id;
    experiment.textContent = run.experiment;
    type.textContent = run.type;
    created.textContent = formatTimestamp(run.created_time);
    started.textContent = formatTimestamp(run.start_time);
    ended.textContent = isFinalStatus(run.status) ? formatTimestamp(run.end_time) : EMPTY;
    parent.textContent = run.parent_id ?? "";
    parentItem.hidden = run.parent_id === null;
    tick();
    const error = JSON.stringify(body.error);
    if (error !== shownError) {
      setChildren(errorSlot, body.error === null ? null : errorBlock(errorState(body.error)));
      shownError = error;
    }
  }

  return { el: root, update, tick };
}

function errorState(error: Record<string, string>): ErrorState {
  const state: ErrorState = {};
  for (const key of ["message", "type", "traceback", "stderr", "code"] as const) {
    const value = error[key];
    if (value !== undefined) state[key] = value;
  }
  return state;
}

/**
 * Metric summaries, one row each, with a sparkline for numeric series and for rows or
 * tables with two or more numeric columns (`rows`: a line per column, as RunDetails).
 */
export function renderMetrics(
  table: HTMLTableSectionElement,
  metrics: readonly MetricSummary[],
  series: ReadonlyMap<string, SeriesBody>,
  rows: ReadonlyMap<string, RowChartBody>,
  sparklines: Sparklines,
): void {
  const charted = new Set<string>();
  setChildren(
    table,
    ...metrics.map((metric) => {
      const points = series.get(metric.name);
      const chart = el("td", "rw-lab-spark");
      const columns = rows.get(metric.name);
      if (points !== undefined && points.x.length > 1) {
        charted.add(metric.name);
        chart.title = `${metric.name}: ${points.count} points`;
        chart.append(sparklines.get(points));
      } else if (columns !== undefined) {
        charted.add(metric.name);
        const lines = columns.lines.map((l) => l.label).join(", ");
        chart.title = `${metric.name}: ${lines} against ${columns.x_label}, ${columns.count} rows`;
        chart.append(sparklines.getRows(columns));
      }
      // Rows and tables are cut to the column's width; the whole value is in the tooltip.
      const text = formatCell(metric.last_value);
      const value = el("td", "rw-num rw-lab-metric-value", text);
      value.title = text;
      if (metric.last_value === null) value.classList.add("rw-muted");
      const row = el(
        "tr",
        "",
        el("td", "rw-lab-metric-name", metric.name),
        el("td", "rw-muted", metric.kind),
        el("td", "rw-num", String(metric.count)),
        value,
        chart,
      );
      row.dataset.metric = metric.name;
      return row;
    }),
  );
  sparklines.keep(charted);
}

/** The run's files, each a link that downloads through `download`. */
export function renderFiles(
  table: HTMLTableSectionElement,
  files: readonly FileRow[],
  href: (name: string) => string,
  download: (name: string) => void,
): void {
  setChildren(
    table,
    ...files.map((file) => {
      const link = el("a", "rw-lab-file", file.name);
      link.href = href(file.name);
      link.download = file.name.split("/").pop() ?? file.name;
      link.addEventListener("click", (event) => {
        event.preventDefault();
        download(file.name);
      });
      return el(
        "tr",
        "",
        el("td", "", link),
        el("td", "rw-num", formatSize(file.size)),
        el("td", "rw-nowrap rw-muted", formatTimestamp(file.created_time)),
      );
    }),
  );
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit] ?? "TB"}`;
}

/** A titled block of the panel; hidden while it has nothing to show. */
export function section(title: string, ...children: HTMLElement[]): HTMLElement {
  return el("section", "rw-lab-section", el("h3", "rw-lab-section-title", title), ...children);
}
