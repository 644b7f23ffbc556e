/**
 * The runs table's columns, without DOM: their widths, the text of a cell,
 * and which way a click on a column head sorts. Shared by the dashboard and
 * ExperimentDetails (which both sort where their rows come from).
 */

import type { Cell } from "../wire";
import { durationOf, formatCell, formatDuration, formatShortTimestamp } from "./format";

/** A column of the runs table (the REST API's ColumnInfo, the widget's ColumnState). */
export interface RunsColumn {
  key: string;
  label: string;
  group: string;
  numeric: boolean;
}

/** One run of the runs table (the REST API's TableRow, the widget's RunsRow). */
export interface RunsTableRow {
  id: string;
  number: number;
  status: string;
  display_name: string | null;
  created_time: number;
  start_time: number | null;
  end_time: number | null;
  values: Record<string, Cell>;
  /** In a sweep's trials table, the trial's name ("Trial 7"); else null. */
  trial_label?: string | null;
}

export const ROW_HEIGHT = 30;
export const CHECK_WIDTH = 30;
const WIDTHS: Readonly<Record<string, number>> = {
  number: 72,
  status: 116,
  display_name: 150,
  created_time: 140,
  duration: 112,
};
const VALUE_WIDTH = 110;
const MAX_VALUE_WIDTH = 200;
/** Columns whose first click sorts the newest, longest or highest-numbered runs first. */
const DESCENDING_FIRST = new Set(["number", "created_time", "duration"]);

/** A column's width: fixed for the run's own fields; wide enough for a value column's
 * heading (a sweep's "mse (best logged value)"), within bounds. */
export function columnWidth(column: Pick<RunsColumn, "key"> & { label?: string }): number {
  const fixed = WIDTHS[column.key];
  if (fixed !== undefined) return fixed;
  const heading = (column.label?.length ?? 0) * 7 + 30;
  return Math.min(MAX_VALUE_WIDTH, Math.max(VALUE_WIDTH, Math.round(heading)));
}

/** The CSS grid template of a row (the name column takes the room left) and its least width. */
export function gridTemplate(columns: readonly (Pick<RunsColumn, "key"> & { label?: string })[]): {
  template: string;
  width: number;
} {
  const template = [
    `${CHECK_WIDTH}px`,
    ...columns.map((c) =>
      c.key === "display_name" ? `minmax(${columnWidth(c)}px, 1fr)` : `${columnWidth(c)}px`,
    ),
  ];
  const width = columns.reduce((sum, c) => sum + columnWidth(c), CHECK_WIDTH);
  return { template: template.join(" "), width };
}

/** The sort a click on column `key` asks for, given the current one. */
export function nextSort(
  current: { sort: string; descending: boolean },
  key: string,
): { sort: string; descending: boolean } {
  if (current.sort === key) return { sort: key, descending: !current.descending };
  return { sort: key, descending: DESCENDING_FIRST.has(key) };
}

/** The text of one cell (the status cell is a badge, drawn by the table). */
export function cellText(row: RunsTableRow, key: string, now = Date.now() / 1000): string {
  switch (key) {
    case "number":
      return row.trial_label ?? `#${row.number}`;
    case "status":
      return row.status;
    case "display_name":
      return row.display_name ?? row.id;
    case "created_time":
      return formatShortTimestamp(row.created_time);
    case "duration":
      return formatDuration(durationOf(row, now));
    default:
      return formatCell(row.values[key]);
  }
}
