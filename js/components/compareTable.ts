/**
 * The runs table of ExperimentDetails: one page of runs, a column per run
 * field, tag, property and metric, a checkbox per row (runs to overlay).
 * Sorting, filtering and paging happen where the rows come from: this renders
 * the page it is given and reports what the user asked for through callbacks.
 */

import type { Cell, ColumnState, RunsRow, RunsTableState, TableQueryMessage } from "../wire";
import { button, el, setChildren } from "./dom";
import { EMPTY, formatCell, formatDuration, formatShortTimestamp, formatTimestamp } from "./format";
import { statusBadge } from "./statusBadge";

export interface CompareTableCallbacks {
  query(query: TableQueryMessage): void;
  select(ids: string[]): void;
  open(id: string): void;
}

export interface CompareTable {
  readonly el: HTMLElement;
  update(state: RunsTableState, selected: readonly string[], maxSelected: number): void;
}

/** A column's first sort direction: newest, longest and biggest values first. */
const DESCENDING_FIRST = new Set(["number", "created_time", "duration"]);

export function createCompareTable(callbacks: CompareTableCallbacks): CompareTable {
  const head = el("thead", "");
  const body = el("tbody", "");
  const scroller = el(
    "div",
    "rw-scroll rw-compare-scroll",
    el("table", "rw-grid rw-compare-table", head, body),
  );
  const range = el("span", "rw-note rw-pager-range");
  const empty = el("div", "rw-empty", "No runs match.");
  let state: RunsTableState | undefined;
  let ticked: string[] = [];
  let limit = 50;
  let shownQuery = "";

  function ask(query: TableQueryMessage): void {
    root.classList.add("rw-pending");
    callbacks.query(query);
  }
  function toOffset(offset: number): void {
    ask({ offset: Math.max(0, offset) });
  }
  const first = pagerButton("«", "First page", () => {
    toOffset(0);
  });
  const prev = pagerButton("‹", "Previous page", () => {
    if (state) toOffset(state.offset - state.limit);
  });
  const following = pagerButton("›", "Next page", () => {
    if (state) toOffset(state.offset + state.limit);
  });
  const last = pagerButton("»", "Last page", () => {
    if (state) toOffset(lastOffset(state));
  });
  const pager = el("div", "rw-pager", first, prev, range, following, last);
  const root = el("div", "rw-compare", scroller, pager, empty);

  body.addEventListener("click", (event) => {
    const target = event.target as Element;
    if (target.closest("input, label")) return; // the checkbox, not the row
    const row = target.closest("tr");
    if (row?.dataset.id !== undefined) callbacks.open(row.dataset.id);
  });
  body.addEventListener("keydown", (event) => {
    const target = event.target as Element;
    const row = target.closest("tr");
    if (event.key === "Enter" && target === row && row.dataset.id !== undefined)
      callbacks.open(row.dataset.id);
  });
  body.addEventListener("change", (event) => {
    const box = event.target as HTMLInputElement;
    const id = box.closest("tr")?.dataset.id;
    if (id === undefined) return;
    const next = box.checked ? [...ticked, id] : ticked.filter((t) => t !== id);
    ticked = next;
    callbacks.select(next);
    markLimit();
  });

  function sortBy(key: string): void {
    if (state === undefined) return;
    const descending = key === state.sort ? !state.descending : DESCENDING_FIRST.has(key);
    ask({ sort: key, descending });
  }

  /** At the overlay's limit, unticked boxes are disabled (a tooltip says why). */
  function markLimit(): void {
    const full = ticked.length >= limit;
    for (const box of body.querySelectorAll<HTMLInputElement>("input.rw-tick")) {
      box.disabled = full && !box.checked;
      box.title = box.disabled ? `The overlay compares at most ${limit} runs` : "Overlay this run";
    }
  }

  function update(next: RunsTableState, selected: readonly string[], maxSelected: number): void {
    state = next;
    ticked = [...selected];
    limit = maxSelected;
    root.classList.remove("rw-pending");
    const focused = (document.activeElement as HTMLElement | null)?.dataset.sortKey;
    setChildren(
      head,
      el(
        "tr",
        "",
        el("th", "rw-tick-cell", ""),
        ...next.columns.map((c) => headerCell(c, next, sortBy)),
      ),
    );
    const chosen = new Set(ticked);
    body.replaceChildren(...next.rows.map((row) => rowNode(row, next.columns, chosen)));
    markLimit();
    if (focused !== undefined)
      head.querySelector<HTMLElement>(`[data-sort-key="${CSS.escape(focused)}"]`)?.focus();

    const query = JSON.stringify([
      next.offset,
      next.sort,
      next.descending,
      next.text,
      next.statuses,
    ]);
    if (query !== shownQuery) scroller.scrollTop = 0;
    shownQuery = query;

    const page = Math.floor(next.offset / Math.max(1, next.limit));
    range.textContent =
      next.total === 0
        ? ""
        : `${next.offset + 1}–${next.offset + next.rows.length} of ${next.total} · page ${page + 1} of ${Math.floor(lastOffset(next) / Math.max(1, next.limit)) + 1}`;
    first.disabled = prev.disabled = next.offset <= 0;
    following.disabled = last.disabled = next.offset + next.limit >= next.total;
    pager.hidden = next.total <= next.limit && next.offset === 0;
    scroller.hidden = next.rows.length === 0;
    empty.hidden = next.rows.length > 0;
  }

  return { el: root, update };
}

function lastOffset(state: RunsTableState): number {
  const size = Math.max(1, state.limit);
  return Math.max(0, Math.ceil(state.total / size) - 1) * size;
}

function pagerButton(label: string, title: string, onClick: () => void): HTMLButtonElement {
  const node = button("rw-button rw-pager-button", label, onClick);
  node.title = title;
  node.setAttribute("aria-label", title);
  return node;
}

function headerCell(
  col: ColumnState,
  state: RunsTableState,
  sortBy: (key: string) => void,
): HTMLTableCellElement {
  const active = col.key === state.sort;
  const arrow = el("span", "rw-sort-arrow", active ? (state.descending ? "▼" : "▲") : "");
  const sort = button("rw-sort", "", () => {
    sortBy(col.key);
  });
  sort.append(el("span", "rw-sort-label", col.key === "number" ? "#" : col.label), arrow);
  sort.dataset.sortKey = col.key;
  sort.title = `Sort by ${col.label}${col.group === "run" ? "" : ` (${col.group})`}`;
  const th = el("th", `rw-group-${col.group}${col.numeric ? " rw-num" : ""}`, sort);
  th.scope = "col";
  th.setAttribute("aria-sort", active ? (state.descending ? "descending" : "ascending") : "none");
  return th;
}

function rowNode(
  row: RunsRow,
  columns: readonly ColumnState[],
  chosen: ReadonlySet<string>,
): HTMLTableRowElement {
  const box = el("input", "rw-tick");
  box.type = "checkbox";
  box.checked = chosen.has(row.id);
  box.setAttribute("aria-label", `Overlay run ${row.number}`);
  const tr = el(
    "tr",
    "rw-child-row rw-compare-row",
    el("td", "rw-tick-cell", box),
    ...columns.map((c) => cell(row, c)),
  );
  tr.dataset.id = row.id;
  tr.tabIndex = 0;
  tr.title = `Open run ${row.number} · ${row.id}`;
  return tr;
}

function cell(row: RunsRow, column: ColumnState): HTMLTableCellElement {
  switch (column.key) {
    case "number":
      return el("td", "rw-num", String(row.number));
    case "status":
      return el("td", "rw-nowrap", statusBadge(row.status));
    case "display_name":
      return valueCell(row.display_name);
    case "created_time": {
      const td = el("td", "rw-nowrap", formatShortTimestamp(row.created_time));
      td.title = formatTimestamp(row.created_time);
      return td;
    }
    case "duration": {
      const seconds =
        row.start_time === null || row.end_time === null ? null : row.end_time - row.start_time;
      return el("td", "rw-num", seconds === null ? EMPTY : formatDuration(seconds));
    }
    default:
      return valueCell(row.values[column.key] ?? null);
  }
}

function valueCell(value: Cell): HTMLTableCellElement {
  const text = formatCell(value);
  if (value === null) return el("td", "rw-muted", text);
  const td = el("td", typeof value === "number" ? "rw-num" : "rw-text-cell", text);
  if (typeof value === "string" && value.length > 40) td.title = value;
  return td;
}
