/**
 * The dashboard's runs table as the server pages it: rows loaded a page at a
 * time by offset/limit as they come into view, sorted and filtered by the
 * server, and refreshed with `since` so an unchanged poll costs one indexed read.
 */

import { requestAPI, segment } from "./api";
import type { ColumnInfo, Query, RunsTable, TableRow } from "./api";

export const TABLE_PAGE = 100;

/** What the dashboard compares: an experiment's top-level runs, or one run's children. */
export interface Scope {
  experiment: string;
  /** A sweep (or any parent run) whose direct children are compared. */
  parent?: string;
}

export interface TableQuery {
  q: string;
  statuses: readonly string[];
  sort: string;
  descending: boolean;
}

/** The scope and filters as query parameters, shared by every dashboard route. */
export function scopeQuery(scope: Scope, query: Pick<TableQuery, "q" | "statuses">): Query {
  return {
    parent: scope.parent,
    q: query.q === "" ? undefined : query.q,
    status: query.statuses.length > 0 ? query.statuses.join(",") : undefined,
  };
}

export function tablePath(scope: Scope, route = "table"): string {
  return `experiments/${segment(scope.experiment)}/${route}`;
}

export class TablePages {
  /** Filtered run count; null until the first page arrives. */
  total: number | null = null;
  statusCounts: Record<string, number> = {};
  columns: ColumnInfo[] = [];
  error: string | null = null;
  private cursor = 0;
  private readonly pages = new Map<number, TableRow[]>();
  private readonly pending = new Set<number>();
  private generation = 0;

  constructor(
    readonly scope: Scope,
    private query: TableQuery,
    private readonly changed: () => void,
  ) {}

  get current(): TableQuery {
    return this.query;
  }

  /** A new filter or sort: everything loaded so far is for the old one. */
  setQuery(query: TableQuery): void {
    this.query = query;
    this.generation++;
    this.pages.clear();
    this.pending.clear();
    this.cursor = 0;
  }

  row(index: number): TableRow | undefined {
    return this.pages.get(Math.floor(index / TABLE_PAGE))?.[index % TABLE_PAGE];
  }

  /** Make sure the pages holding rows first..last are loaded (or loading). */
  need(first: number, last: number): void {
    for (let page = pageOf(first); page <= pageOf(last); page++) {
      if (!this.pages.has(page) && !this.pending.has(page)) void this.load(page);
    }
  }

  /**
   * Poll: ask for the first page in view with `since`; when something changed,
   * take it, reload the other pages in view and forget the rest. Resolves true
   * when the data changed.
   */
  async refresh(first: number, last: number): Promise<boolean> {
    if (this.total === null) return this.load(pageOf(first));
    const generation = this.generation;
    const top = pageOf(first);
    const body = await this.fetch(top, this.cursor);
    if (generation !== this.generation || body === null || body.unchanged) return false;
    const keep = new Set<number>();
    for (let page = top; page <= pageOf(last); page++) keep.add(page);
    for (const page of [...this.pages.keys()]) if (!keep.has(page)) this.pages.delete(page);
    this.take(top, body);
    await Promise.all([...keep].filter((p) => p !== top).map((p) => this.load(p)));
    return true;
  }

  private async load(page: number): Promise<boolean> {
    const generation = this.generation;
    this.pending.add(page);
    try {
      const body = await this.fetch(page, 0);
      if (generation !== this.generation || body === null) return false;
      this.take(page, body);
      return true;
    } finally {
      if (generation === this.generation) this.pending.delete(page);
    }
  }

  private async fetch(page: number, since: number): Promise<RunsTable | null> {
    const query: Query = {
      ...scopeQuery(this.scope, this.query),
      sort: this.query.sort,
      order: this.query.descending ? "desc" : "asc",
      offset: page * TABLE_PAGE,
      limit: TABLE_PAGE,
      since: since > 0 ? since : undefined,
    };
    try {
      const body = await requestAPI<RunsTable>(tablePath(this.scope), query);
      this.error = null;
      return body;
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
      this.changed();
      return null;
    }
  }

  private take(page: number, body: RunsTable): void {
    this.cursor = body.cursor;
    this.total = body.total;
    this.statusCounts = body.status_counts;
    this.columns = body.columns;
    this.pages.set(page, body.rows);
    this.changed();
  }
}

function pageOf(index: number): number {
  return Math.floor(Math.max(0, index) / TABLE_PAGE);
}
