/**
 * Logged tables (log_row / log_table) as HTML tables. A table is rebuilt only
 * when its own content changed, and keeps its scroll position; one the user
 * scrolled to the bottom follows new rows.
 */

import type { Cell, TableState } from "../wire";
import { el, syncChildren } from "./dom";
import { formatCell, isNumeric } from "./format";

interface Shown {
  key: string;
  block: HTMLElement;
  scroller: HTMLElement;
}

export interface TablesView {
  readonly el: HTMLElement;
  update(tables: readonly TableState[]): void;
}

export function createTablesView(): TablesView {
  const root = el("div", "rw-tables");
  let shown = new Map<string, Shown>();

  function update(tables: readonly TableState[]): void {
    const next = new Map<string, Shown>();
    for (const table of tables) {
      const key = JSON.stringify(table);
      const old = shown.get(table.name);
      if (old !== undefined && old.key === key) {
        next.set(table.name, old);
        continue;
      }
      const fresh = tableBlock(table, key);
      if (old !== undefined) {
        // Read before the swap: a detached element reports no scroll offset.
        const { scrollTop, scrollLeft } = old.scroller;
        const atBottom = scrollTop > 0 && isAtBottom(old.scroller);
        old.block.replaceWith(fresh.block);
        fresh.scroller.scrollLeft = scrollLeft;
        fresh.scroller.scrollTop = atBottom ? fresh.scroller.scrollHeight : scrollTop;
      }
      next.set(table.name, fresh);
    }
    shown = next;
    syncChildren(
      root,
      [...next.values()].map((s) => s.block),
    );
  }

  return { el: root, update };
}

function tableBlock(table: TableState, key: string): Shown {
  const width = Math.max(table.columns.length, ...table.rows.map((r) => r.length));
  const head = el("tr", "");
  for (let i = 0; i < width; i++) {
    const th = el(
      "th",
      isNumeric(table.rows.map((row) => row[i])) ? "rw-num" : "",
      table.columns[i] ?? "",
    );
    th.scope = "col";
    head.append(th);
  }
  const body = el("tbody", "");
  for (const row of table.rows) {
    const tr = el("tr", "");
    for (let i = 0; i < width; i++) tr.append(cell(row[i]));
    body.append(tr);
  }
  const scroller = el(
    "div",
    "rw-scroll rw-table-scroll",
    el("table", "rw-grid", el("thead", "", head), body),
  );
  const block = el(
    "div",
    "rw-table-block",
    el(
      "div",
      "rw-block-title",
      el("span", "rw-block-name", table.name),
      el("span", "rw-note", rowNote(table)),
    ),
    scroller,
  );
  return { key, block, scroller };
}

function rowNote(table: TableState): string {
  const n = table.rows.length;
  if (n < table.total_rows) return `showing last ${n} of ${table.total_rows} rows`;
  return `${table.total_rows} ${table.total_rows === 1 ? "row" : "rows"}`;
}

function cell(value: Cell | undefined): HTMLTableCellElement {
  const td = el("td", "", formatCell(value));
  if (typeof value === "number") td.className = "rw-num";
  else if (value === null || value === undefined) td.className = "rw-muted";
  return td;
}

export function isAtBottom(node: Element): boolean {
  return node.scrollHeight - node.scrollTop - node.clientHeight < 4;
}
