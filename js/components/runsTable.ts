/**
 * The runs table of the dashboard and of ExperimentDetails: column heads that
 * stay on top and sort on click, one virtualized row per run (only the rows in
 * view exist, so 10,000 runs cost what 30 do), a checkbox per row to pick runs
 * for the overlay, and a click (or Enter) on a row to open the run.
 *
 * Rows come from a `RowSource`: the dashboard's pages loaded from the server
 * as they come into view, or the page of rows ExperimentDetails' kernel sent.
 * Sorting happens where the rows come from; the table only says what was asked.
 */

import { el } from "./dom";
import { EMPTY, formatTimestamp } from "./format";
import { ROW_HEIGHT, cellText, gridTemplate, nextSort } from "./runsColumns";
import type { RunsColumn, RunsTableRow } from "./runsColumns";
import { isFinalStatus, statusBadge } from "./statusBadge";
import { VirtualList } from "./virtualList";

export interface RowSource {
  /** Rows in the table (all of them, loaded or not). */
  count(): number;
  /** Row `index`, or undefined while it is loading. */
  row(index: number): RunsTableRow | undefined;
  /** Rows `first`..`last` are about to be shown: load them. */
  need?(first: number, last: number): void;
}

export interface RunsTableOptions {
  /** The user asked for this sort. */
  sort(key: string, descending: boolean): void;
  open(id: string): void;
  /** The ticked runs changed (ids, in the order they were ticked). */
  selectionChanged(ids: string[]): void;
  /** At most this many runs can be ticked; the other boxes are then disabled. */
  maxSelected: number;
}

export interface TableView {
  source: RowSource;
  columns: readonly RunsColumn[];
  sort: string;
  descending: boolean;
  /** What to say when there are no rows (null: nothing, e.g. while loading). */
  empty: string | null;
}

export class RunsTable {
  readonly el: HTMLElement;
  private readonly head = el("div", "rw-rt-row rw-rt-head");
  private readonly list: VirtualList;
  private readonly emptyNote = el("div", "rw-rt-empty");
  private view: TableView | null = null;
  private ticked: string[] = [];

  constructor(private readonly options: RunsTableOptions) {
    this.head.setAttribute("role", "row");
    this.list = new VirtualList(
      ROW_HEIGHT,
      {
        count: () => this.view?.source.count() ?? 0,
        key: (i) => this.view?.source.row(i)?.id ?? `placeholder-${i}`,
        signature: (i) => this.signature(i),
        render: (i) => this.renderRow(i),
        inView: (first, last) => {
          this.view?.source.need?.(first, last);
        },
      },
      this.head,
    );
    this.el = el("div", "rw-rt", this.list.el, this.emptyNote);
    this.el.setAttribute("role", "table");
    this.emptyNote.hidden = true;
    this.list.el.addEventListener("click", (event) => {
      this.clicked(event);
    });
    this.list.el.addEventListener("keydown", (event) => {
      const target = event.target as HTMLElement;
      if ((event.key === "Enter" || event.key === " ") && target.matches(".rw-rt-run")) {
        event.preventDefault();
        const id = target.dataset.runId;
        if (id !== undefined) this.options.open(id);
      }
    });
  }

  /** The ticked runs' ids, in the order they were ticked. */
  get selected(): readonly string[] {
    return this.ticked;
  }

  /** Show `view`: its columns (in this order), its sort, its rows. */
  show(view: TableView): void {
    this.view = view;
    const { template, width } = gridTemplate(view.columns);
    this.el.style.setProperty("--rw-rt-cols", template);
    this.el.style.setProperty("--rw-rt-width", `${width}px`);
    const count = view.source.count();
    this.el.setAttribute("aria-rowcount", String(count + 1));
    // A few runs: no empty box below them (room for the heads and a sideways scrollbar).
    this.el.style.maxHeight = `${(Math.max(2, count) + 1) * ROW_HEIGHT + 18}px`;
    this.emptyNote.textContent = view.empty ?? "";
    this.emptyNote.hidden = count > 0 || view.empty === null;
    this.renderHead();
    this.list.schedule();
  }

  /** Tick exactly these runs (the selection as the widget's kernel keeps it). */
  setSelected(ids: readonly string[]): void {
    if (ids.join("\n") === this.ticked.join("\n")) return;
    this.ticked = [...ids];
    this.renderHead();
    this.list.schedule();
  }

  /** The rows in view, [first, last] inclusive. */
  range(): [number, number] {
    return this.list.range();
  }

  /** Re-render the rows in view (new data, or a second passed for live durations). */
  schedule(): void {
    this.list.schedule();
  }

  scrollToTop(): void {
    this.list.el.scrollTop = 0;
  }

  dispose(): void {
    this.list.dispose();
  }

  private renderHead(): void {
    const view = this.view;
    if (view === null) return;
    const focused = (document.activeElement as HTMLElement | null)?.dataset.sortKey;
    const clear = el("input", "rw-rt-check");
    clear.type = "checkbox";
    clear.checked = this.ticked.length > 0;
    clear.disabled = this.ticked.length === 0;
    clear.title = "Clear the selection";
    clear.setAttribute("aria-label", "Clear the selection");
    clear.addEventListener("change", () => {
      this.ticked = [];
      this.selectionUpdated();
    });
    const heads = view.columns.map((column) => {
      const sorted = view.sort === column.key;
      const head = el(
        "div",
        `rw-rt-cell rw-rt-th rw-group-${column.group}${column.numeric ? " rw-num" : ""}`,
      );
      head.setAttribute("role", "columnheader");
      head.dataset.key = column.key;
      head.setAttribute(
        "aria-sort",
        sorted ? (view.descending ? "descending" : "ascending") : "none",
      );
      const sort = el("button", "rw-rt-sort", el("span", "rw-rt-th-label", column.label));
      sort.type = "button";
      sort.append(el("span", "rw-sort-arrow", sorted ? (view.descending ? "▼" : "▲") : ""));
      sort.dataset.sortKey = column.key;
      sort.title = `Sort by ${column.label}${column.group === "run" ? "" : ` (${column.group})`}: ${column.key}`;
      sort.addEventListener("click", () => {
        const next = nextSort({ sort: view.sort, descending: view.descending }, column.key);
        this.options.sort(next.sort, next.descending);
      });
      head.append(sort);
      return head;
    });
    this.head.replaceChildren(el("span", "rw-rt-cell rw-rt-checkcell", clear), ...heads);
    if (focused !== undefined)
      this.head.querySelector<HTMLElement>(`[data-sort-key="${CSS.escape(focused)}"]`)?.focus();
  }

  private signature(index: number): string {
    const row = this.view?.source.row(index);
    if (row === undefined) return "loading";
    const live = isFinalStatus(row.status) ? "" : cellText(row, "duration");
    const full = this.ticked.length >= this.options.maxSelected;
    return JSON.stringify([
      index,
      row,
      this.view?.columns,
      this.ticked.includes(row.id),
      full,
      live,
    ]);
  }

  private renderRow(index: number): HTMLElement {
    const row = this.view?.source.row(index);
    if (row === undefined) return el("div", "rw-rt-row rw-rt-placeholder", "…");
    const check = el("input", "rw-rt-check");
    check.type = "checkbox";
    check.checked = this.ticked.includes(row.id);
    check.disabled = !check.checked && this.ticked.length >= this.options.maxSelected;
    check.title = check.disabled
      ? `The overlay compares at most ${this.options.maxSelected} runs`
      : "Overlay this run";
    check.setAttribute("aria-label", `Select run ${row.number}`);
    const node = el(
      "div",
      `rw-rt-row rw-rt-run${check.checked ? " rw-selected" : ""}`,
      el("span", "rw-rt-cell rw-rt-checkcell", check),
      ...(this.view?.columns ?? []).map((column) => cell(row, column)),
    );
    node.setAttribute("role", "row");
    node.setAttribute("aria-rowindex", String(index + 2));
    node.dataset.runId = row.id;
    node.dataset.number = String(row.number);
    node.tabIndex = 0;
    node.title = `Open ${row.trial_label ?? `run ${row.number}`} · ${row.id}`;
    return node;
  }

  private clicked(event: MouseEvent): void {
    const target = event.target as HTMLElement;
    const row = target.closest<HTMLElement>(".rw-rt-run");
    const id = row?.dataset.runId;
    if (row === null || id === undefined) return;
    if (target.matches(".rw-rt-check, .rw-rt-checkcell")) {
      const box = row.querySelector<HTMLInputElement>(".rw-rt-check");
      if (box?.disabled === true) return;
      if (this.ticked.includes(id)) this.ticked = this.ticked.filter((t) => t !== id);
      else this.ticked = [...this.ticked, id];
      this.selectionUpdated();
      return;
    }
    this.options.open(id);
  }

  private selectionUpdated(): void {
    this.renderHead();
    this.list.schedule();
    this.options.selectionChanged([...this.ticked]);
  }
}

function cell(row: RunsTableRow, column: RunsColumn): HTMLElement {
  const node = el("span", `rw-rt-cell${column.numeric ? " rw-num" : ""}`);
  node.setAttribute("role", "cell");
  node.dataset.key = column.key;
  const text = cellText(row, column.key);
  switch (column.key) {
    case "status":
      node.append(statusBadge(row.status));
      break;
    case "display_name":
      node.textContent = text;
      if (row.display_name === null) node.classList.add("rw-muted", "rw-mono");
      else node.title = text;
      break;
    case "created_time":
      node.textContent = text;
      node.title = `created ${formatTimestamp(row.created_time)}\nstarted ${formatTimestamp(row.start_time)}`;
      break;
    default: {
      node.textContent = text;
      const value = row.values[column.key];
      if (text === EMPTY) node.classList.add("rw-muted");
      else if (column.group !== "run")
        node.title = `${column.label}: ${typeof value === "string" ? value : text}`;
    }
  }
  return node;
}
