/**
 * Child runs: a status summary, one page of a sortable table, and a pager.
 * Sorting and paging happen where the rows come from; this only renders the
 * page it is given and reports what the user asked for through callbacks, so a
 * sidebar can reuse it with another data source.
 */

import type { ChildRow, ChildrenQuery, ChildrenState } from "../wire";
import { button, el, setChildren } from "./dom";
import {
  formatCell,
  formatDuration,
  formatShortTimestamp,
  formatTimestamp,
  isNumeric,
} from "./format";
import { STATUS_ORDER, statusBadge, statusTone } from "./statusBadge";

export interface ChildTableCallbacks {
  /** The user asked for another page or order. */
  query(query: ChildrenQuery): void;
  /** The user picked a child run. */
  open(id: string): void;
  /** The user asked to compare the child runs side by side (a sweep's trials). */
  compare?(): void;
}

export interface ChildTable {
  readonly el: HTMLElement;
  update(state: ChildrenState): void;
}

interface Column {
  key: string;
  label: string;
  title: string;
  numeric: boolean;
  cell(row: ChildRow): HTMLTableCellElement;
}

export function createChildTable(callbacks: ChildTableCallbacks): ChildTable {
  const summary = el("div", "rw-summary");
  const head = el("thead", "");
  const body = el("tbody", "");
  const scroller = el(
    "div",
    "rw-scroll rw-children-scroll",
    el("table", "rw-grid rw-children-table", head, body),
  );
  const range = el("span", "rw-note rw-pager-range");
  let state: ChildrenState | undefined;
  let shownQuery = "";

  function ask(query: ChildrenQuery): void {
    root.classList.add("rw-pending");
    callbacks.query(query);
  }
  function toPage(page: number): void {
    if (state !== undefined) ask({ page, sort_key: state.sort_key, descending: state.descending });
  }
  const first = pagerButton("«", "First page", () => {
    toPage(0);
  });
  const prev = pagerButton("‹", "Previous page", () => {
    if (state) toPage(state.page - 1);
  });
  const following = pagerButton("›", "Next page", () => {
    if (state) toPage(state.page + 1);
  });
  const last = pagerButton("»", "Last page", () => {
    if (state) toPage(lastPage(state));
  });
  const pager = el("div", "rw-pager", first, prev, range, following, last);
  const empty = el("div", "rw-empty", "No child runs yet.");
  const root = el("div", "rw-children", summary, scroller, pager, empty);

  summary.addEventListener("click", (event) => {
    const link = (event.target as Element).closest<HTMLElement>("[data-best]");
    if (link?.dataset.best !== undefined) callbacks.open(link.dataset.best);
    if ((event.target as Element).closest("[data-action=compare]") !== null) callbacks.compare?.();
  });
  body.addEventListener("click", (event) => {
    const row = (event.target as Element).closest("tr");
    if (row?.dataset.id !== undefined) callbacks.open(row.dataset.id);
  });
  body.addEventListener("keydown", (event) => {
    const row = (event.target as Element).closest("tr");
    if (event.key === "Enter" && row?.dataset.id !== undefined) callbacks.open(row.dataset.id);
  });

  function sortBy(key: string): void {
    if (state === undefined) return;
    const descending =
      key === state.sort_key ? !state.descending : key === "metric" && state.goal === "MAXIMIZE";
    ask({ page: 0, sort_key: key, descending });
  }

  function update(next: ChildrenState): void {
    state = next;
    root.classList.remove("rw-pending");
    const focused = (document.activeElement as HTMLElement | null)?.dataset.sortKey;
    const columns = columnsOf(next);
    renderSummary(summary, next, callbacks.compare !== undefined);
    setChildren(head, el("tr", "", ...columns.map((c) => headerCell(c, next, sortBy))));
    body.replaceChildren(...next.rows.map((row) => rowNode(row, columns, next.best?.id)));
    if (focused !== undefined)
      head.querySelector<HTMLElement>(`[data-sort-key="${CSS.escape(focused)}"]`)?.focus();

    const query = JSON.stringify([next.page, next.sort_key, next.descending]);
    if (query !== shownQuery) scroller.scrollTop = 0;
    shownQuery = query;

    const start = next.page * next.page_size;
    range.textContent =
      next.total === 0
        ? ""
        : `${start + 1}–${start + next.rows.length} of ${next.total} · page ${next.page + 1} of ${lastPage(next) + 1}`;
    first.disabled = prev.disabled = next.page <= 0;
    following.disabled = last.disabled = next.page >= lastPage(next);
    pager.hidden = next.total <= next.page_size && next.page === 0;
    scroller.hidden = next.rows.length === 0;
    empty.hidden = next.total > 0;
  }

  return { el: root, update };
}

function lastPage(state: ChildrenState): number {
  return Math.max(0, Math.ceil(state.total / Math.max(1, state.page_size)) - 1);
}

function pagerButton(label: string, title: string, onClick: () => void): HTMLButtonElement {
  const node = button("rw-button rw-pager-button", label, onClick);
  node.title = title;
  node.setAttribute("aria-label", title);
  return node;
}

function renderSummary(node: HTMLElement, state: ChildrenState, comparable: boolean): void {
  const known = STATUS_ORDER.filter((s) => (state.counts[s] ?? 0) > 0);
  const other = Object.keys(state.counts).filter(
    (s) => !STATUS_ORDER.includes(s) && (state.counts[s] ?? 0) > 0,
  );
  const chips = [...known, ...other].flatMap((status, i) => [
    i > 0 && el("span", "rw-sep", " · "),
    el(
      "span",
      `rw-chip rw-chip-${statusTone(status)}`,
      el("span", "rw-dot"),
      `${state.counts[status] ?? 0} ${status}`,
    ),
  ]);
  setChildren(
    node,
    el("span", "rw-summary-total", `${state.total} child ${state.total === 1 ? "run" : "runs"}`),
    ...chips,
    comparable && state.total > 0 ? compareButton(state) : null,
    bestLine(state),
  );
}

function compareButton(state: ChildrenState): HTMLButtonElement {
  const sweep = state.goal !== null;
  const node = button(
    "rw-button rw-compare-children",
    sweep ? "Compare trials" : "Compare child runs",
    () => undefined,
  );
  node.dataset.action = "compare";
  node.title =
    "Open the child runs side by side: a table with their parameters and metrics, and charts across them";
  return node;
}

/** A sweep's best trial as `get_best_run_by_primary_metric` picks it; a click opens it. */
function bestLine(state: ChildrenState): HTMLElement | null {
  const best = state.best ?? null;
  if (best === null || state.metric === null) return null;
  // A trial goes by its index in its sweep ("Trial 7", views/_sweeps.py trial_label).
  const name = best.trial_label ?? `#${best.number}`;
  const link = button("rw-link rw-best-link", name, () => undefined);
  link.dataset.best = best.id;
  link.title = `Open ${best.trial_label ?? `run ${best.number}`} · ${best.id}`;
  const line = el(
    "div",
    "rw-best-line",
    best.trial_label === null ? "★ Best trial " : "★ Best: ",
    link,
    ` · ${state.metric} ${formatCell(best.value)} (best logged value)`,
  );
  line.title =
    "Each trial counts by the best value it logged of the primary metric, " +
    "as get_best_run_by_primary_metric ranks trials";
  return line;
}

function columnsOf(state: ChildrenState): Column[] {
  const metric = state.metric ?? "metric";
  const label = state.metric_label ?? metric;
  const goal = state.goal === null ? "" : ` (goal: ${state.goal.toLowerCase()})`;
  return [
    // A sweep's trials go by their index ("Trial 7"), other child runs by run number.
    state.goal === null
      ? column("number", "#", "Run number", true, (r) => text(String(r.number), "rw-num"))
      : column("number", "Trial", "Trial", true, (r) =>
          text(r.trial_label ?? `#${r.number}`, "rw-nowrap"),
        ),
    column("status", "Status", "Status", false, statusCell),
    column("metric", label, `${label}${goal}`, true, (r) => valueCell(r.metric)),
    column("start_time", "Started", "Start time", false, (r) => {
      const td = text(formatShortTimestamp(r.start_time), "rw-nowrap");
      td.title = formatTimestamp(r.start_time);
      return td;
    }),
    column("duration", "Duration", "Duration", true, (r) =>
      text(formatDuration(r.duration), "rw-num"),
    ),
    ...state.columns.map((name) =>
      column(
        `param:${name}`,
        name,
        `parameter ${name}`,
        isNumeric(state.rows.map((r) => r.params[name])),
        (r) => valueCell(r.params[name] ?? null),
      ),
    ),
  ];
}

function column(
  key: string,
  label: string,
  title: string,
  numeric: boolean,
  cell: Column["cell"],
): Column {
  return { key, label, title, numeric, cell };
}

function headerCell(
  col: Column,
  state: ChildrenState,
  sortBy: (key: string) => void,
): HTMLTableCellElement {
  const active = col.key === state.sort_key;
  const arrow = el("span", "rw-sort-arrow", active ? (state.descending ? "▼" : "▲") : "");
  const sort = button("rw-sort", "", () => {
    sortBy(col.key);
  });
  sort.append(el("span", "rw-sort-label", col.label), arrow);
  sort.dataset.sortKey = col.key;
  sort.title = `Sort by ${col.title}`;
  const th = el("th", col.numeric ? "rw-num" : "", sort);
  th.scope = "col";
  th.setAttribute("aria-sort", active ? (state.descending ? "descending" : "ascending") : "none");
  return th;
}

function rowNode(
  row: ChildRow,
  columns: readonly Column[],
  best: string | undefined,
): HTMLTableRowElement {
  const isBest = row.id === best;
  const tr = el(
    "tr",
    isBest ? "rw-child-row rw-best" : "rw-child-row",
    ...columns.map((c) => c.cell(row)),
  );
  tr.dataset.id = row.id;
  tr.tabIndex = 0;
  tr.title = `Open ${row.trial_label ?? `run ${row.number}`} · ${row.id}${isBest ? " (the best trial)" : ""}`;
  if (isBest) tr.cells[0]?.prepend("★ ");
  return tr;
}

function statusCell(row: ChildRow): HTMLTableCellElement {
  const td = el("td", "rw-nowrap", statusBadge(row.status));
  if (row.early_termination !== null) {
    const mark = el("span", "rw-stopped", "stopped early");
    mark.title = row.early_termination;
    td.append(mark);
  }
  return td;
}

function valueCell(value: ChildRow["metric"] | boolean): HTMLTableCellElement {
  if (value === null) return text(formatCell(value), "rw-muted");
  return text(formatCell(value), typeof value === "number" ? "rw-num" : "");
}

function text(value: string, className: string): HTMLTableCellElement {
  return el("td", className, value);
}
