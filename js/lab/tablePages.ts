/**
 * The dashboard's runs table as the server pages it: rows loaded a page at a
 * time by offset/limit as they come into view, sorted and filtered by the
 * server, and refreshed with `since` so an unchanged poll costs one indexed read.
 */

import { requestAPI, segment } from "./api";
import type { ColumnInfo, Query, RunsTable, TableRow } from "./api";
import { PagedRows } from "./pagedRows";

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

export class TablePages extends PagedRows<TableRow, RunsTable> {
  columns: ColumnInfo[] = [];

  constructor(
    readonly scope: Scope,
    private query: TableQuery,
    changed: () => void,
  ) {
    super(changed);
  }

  get current(): TableQuery {
    return this.query;
  }

  /** A new filter or sort: everything loaded so far is for the old one. */
  setQuery(query: TableQuery): void {
    this.query = query;
    this.reset();
  }

  row(index: number): TableRow | undefined {
    return this.rowAt(index);
  }

  protected fetchPage(
    offset: number,
    limit: number,
    since: number | undefined,
  ): Promise<RunsTable> {
    const query: Query = {
      ...scopeQuery(this.scope, this.query),
      sort: this.query.sort,
      order: this.query.descending ? "desc" : "asc",
      offset,
      limit,
      since,
    };
    return requestAPI<RunsTable>(tablePath(this.scope), query);
  }

  protected absorb(body: RunsTable): TableRow[] {
    this.columns = body.columns;
    return body.rows;
  }
}
