/**
 * The dashboard's runs table: sortable column heads that stay on top, one
 * virtualized row per run (only the rows in view exist), a checkbox per row to
 * pick runs for the overlay chart, and a click on a row to open the run.
 */

import { el } from "../components/dom";
import {
  EMPTY,
  formatCell,
  formatDuration,
  formatShortTimestamp,
  formatTimestamp,
} from "../components/format";
import { isFinalStatus, statusBadge } from "../components/statusBadge";
import { durationOf } from "./api";
import type { ColumnInfo, TableRow } from "./api";
import type { TablePages } from "./tablePages";
import { VirtualList } from "./virtualList";

export const TABLE_ROW_HEIGHT = 30;
const CHECK_WIDTH = 30;
const WIDTHS: Readonly<Record<string, number>> = {
  number: 72,
  status: 116,
  display_name: 150,
  created_time: 140,
  duration: 112,
};
const VALUE_WIDTH = 110;

/** A run picked in the table (what the overlay's legend needs). */
export interface PickedRun {
  id: string;
  number: number;
  display_name: string | null;
}

export interface RunsTableOptions {
  sort(key: string): void;
  openRun(id: string): void;
  selectionChanged(): void;
}

export class RunsTable {
  readonly el: HTMLElement;
  readonly selected = new Map<string, PickedRun>();
  private readonly head = el("div", "rw-db-row rw-db-head");
  private readonly list: VirtualList;
  private columns: ColumnInfo[] = [];
  private pages: TablePages | null = null;

  constructor(private readonly options: RunsTableOptions) {
    this.list = new VirtualList(
      TABLE_ROW_HEIGHT,
      {
        count: () => this.pages?.total ?? 0,
        key: (i) => this.pages?.row(i)?.id ?? `placeholder-${i}`,
        signature: (i) => this.signature(i),
        render: (i) => this.renderRow(i),
        inView: (first, last) => {
          this.pages?.need(first, last);
        },
      },
      this.head,
    );
    this.el = el("div", "rw-db-table", this.list.el);
    this.list.el.addEventListener("click", (event) => {
      this.clicked(event);
    });
    this.list.el.addEventListener("keydown", (event) => {
      const target = event.target as HTMLElement;
      if ((event.key === "Enter" || event.key === " ") && target.matches(".rw-db-run")) {
        event.preventDefault();
        const id = target.dataset.runId;
        if (id !== undefined) this.options.openRun(id);
      }
    });
  }

  /** Show `pages` with these columns (in this order). */
  show(pages: TablePages, columns: ColumnInfo[]): void {
    this.pages = pages;
    this.columns = columns;
    const widths = [CHECK_WIDTH, ...columns.map(widthOf)];
    const total = widths.reduce((a, b) => a + b, 0);
    // The name column takes the room left over; the others keep their width.
    const template = [
      `${CHECK_WIDTH}px`,
      ...columns.map((c) =>
        c.key === "display_name" ? `minmax(${widthOf(c)}px, 1fr)` : `${widthOf(c)}px`,
      ),
    ];
    this.el.style.setProperty("--rw-db-cols", template.join(" "));
    this.el.style.setProperty("--rw-db-width", `${total}px`);
    // A few runs: no empty box below them (room for the heads and a sideways scrollbar).
    const rows = Math.max(2, pages.total ?? 0) + 1;
    this.el.style.maxHeight = `${rows * TABLE_ROW_HEIGHT + 18}px`;
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
    const query = this.pages?.current;
    const clear = el("input", "rw-db-check");
    clear.type = "checkbox";
    clear.checked = this.selected.size > 0;
    clear.disabled = this.selected.size === 0;
    clear.title = "Clear the selection";
    clear.setAttribute("aria-label", "Clear the selection");
    clear.addEventListener("change", () => {
      this.selected.clear();
      this.selectionUpdated();
    });
    const heads = this.columns.map((column) => {
      const sorted = query?.sort === column.key;
      const arrow = sorted ? (query.descending ? " ▼" : " ▲") : "";
      const head = el("button", `rw-db-cell rw-db-th${column.numeric ? " rw-num" : ""}`);
      head.type = "button";
      head.append(el("span", "rw-db-th-label", column.label), arrow);
      head.dataset.key = column.key;
      head.dataset.group = column.group;
      head.title = `${column.key}: click to sort`;
      if (sorted) head.setAttribute("aria-sort", query.descending ? "descending" : "ascending");
      head.addEventListener("click", () => {
        this.options.sort(column.key);
      });
      return head;
    });
    this.head.replaceChildren(el("span", "rw-db-cell rw-db-checkcell", clear), ...heads);
  }

  private signature(index: number): string {
    const row = this.pages?.row(index);
    if (row === undefined) return "loading";
    const live = isFinalStatus(row.status) ? "" : formatDuration(durationOf(row));
    return JSON.stringify([row, this.columns.length, this.selected.has(row.id), live]);
  }

  private renderRow(index: number): HTMLElement {
    const row = this.pages?.row(index);
    if (row === undefined) return el("div", "rw-db-row rw-db-placeholder", "…");
    const check = el("input", "rw-db-check");
    check.type = "checkbox";
    check.checked = this.selected.has(row.id);
    check.setAttribute("aria-label", `Select run ${row.number}`);
    const node = el(
      "div",
      `rw-db-row rw-db-run${check.checked ? " rw-selected" : ""}`,
      el("span", "rw-db-cell rw-db-checkcell", check),
      ...this.columns.map((column) => cell(row, column)),
    );
    node.dataset.runId = row.id;
    node.dataset.number = String(row.number);
    node.tabIndex = 0;
    node.title = `Open run ${row.number} · ${row.id}`;
    return node;
  }

  private clicked(event: MouseEvent): void {
    const target = event.target as HTMLElement;
    const row = target.closest<HTMLElement>(".rw-db-run");
    const id = row?.dataset.runId;
    if (row === null || id === undefined) return;
    if (target.matches(".rw-db-check, .rw-db-checkcell")) {
      const picked = this.find(id);
      if (this.selected.has(id)) this.selected.delete(id);
      else if (picked !== undefined) this.selected.set(id, picked);
      this.selectionUpdated();
      return;
    }
    this.options.openRun(id);
  }

  private find(id: string): PickedRun | undefined {
    const [first, last] = this.list.range();
    for (let i = Math.max(0, first - 10); i <= last + 10; i++) {
      const row = this.pages?.row(i);
      if (row?.id === id) return { id: row.id, number: row.number, display_name: row.display_name };
    }
    return undefined;
  }

  private selectionUpdated(): void {
    this.renderHead();
    this.list.schedule();
    this.options.selectionChanged();
  }
}

function widthOf(column: ColumnInfo): number {
  return WIDTHS[column.key] ?? VALUE_WIDTH;
}

function cell(row: TableRow, column: ColumnInfo): HTMLElement {
  const node = el("span", `rw-db-cell${column.numeric ? " rw-num" : ""}`);
  node.dataset.key = column.key;
  switch (column.key) {
    case "number":
      node.textContent = `#${row.number}`;
      break;
    case "status":
      node.append(statusBadge(row.status));
      break;
    case "display_name":
      node.textContent = row.display_name ?? row.id;
      if (row.display_name === null) node.classList.add("rw-muted", "rw-mono");
      break;
    case "created_time":
      node.textContent = formatShortTimestamp(row.created_time);
      node.title = `created ${formatTimestamp(row.created_time)}\nstarted ${formatTimestamp(row.start_time)}`;
      break;
    case "duration":
      node.textContent = formatDuration(durationOf(row));
      break;
    default: {
      const value = row.values[column.key];
      const text = formatCell(value);
      node.textContent = text;
      if (text === EMPTY) node.classList.add("rw-muted");
      else node.title = `${column.label}: ${typeof value === "string" ? value : text}`;
    }
  }
  return node;
}
