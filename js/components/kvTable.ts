/**
 * One key/value table split into titled sections (Properties, Tags, Metrics).
 * Each section is its own <tbody>, so one section can change without the
 * others being rebuilt; empty sections (and an all-empty table) are hidden.
 */

import { el, setChildren } from "./dom";

export interface KvRow {
  key: string;
  value: string;
  /** Tooltip on the row, e.g. a metric's description. */
  title?: string;
  /** Shown dimmed, e.g. a null value. */
  muted?: boolean;
}

export interface KvTable {
  readonly el: HTMLTableElement;
  setSection(title: string, rows: readonly KvRow[]): void;
}

export function createKvTable(titles: readonly string[]): KvTable {
  const table = el("table", "rw-kv");
  const bodies = new Map<string, HTMLTableSectionElement>();
  for (const title of titles) {
    const body = el("tbody", "rw-kv-section");
    body.hidden = true;
    bodies.set(title, body);
    table.append(body);
  }
  table.hidden = true;

  function setSection(title: string, rows: readonly KvRow[]): void {
    const body = bodies.get(title);
    if (body === undefined) throw new Error(`no section ${title}`);
    const head = el("th", "", title, el("span", "rw-count", String(rows.length)));
    head.colSpan = 2;
    head.scope = "colgroup";
    setChildren(body, el("tr", "rw-kv-head", head), ...rows.map(kvRow));
    body.hidden = rows.length === 0;
    table.hidden = [...bodies.values()].every((b) => b.hidden);
  }

  return { el: table, setSection };
}

function kvRow(row: KvRow): HTMLTableRowElement {
  const key = el("th", "rw-kv-key", row.key);
  key.scope = "row";
  const value = el("td", row.muted === true ? "rw-kv-value rw-muted" : "rw-kv-value", row.value);
  const tr = el("tr", "", key, value);
  if (row.title !== undefined && row.title !== "") {
    tr.title = row.title;
    key.classList.add("rw-has-tip");
  }
  return tr;
}
