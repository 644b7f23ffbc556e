/**
 * The runs of one experiment under the sidebar's filter, loaded a page at a
 * time by offset/limit as rows come into view, and refreshed with `since` so
 * an unchanged poll costs the server one indexed read.
 */

import { requestAPI, segment } from "./api";
import type { Query, RunPage, RunRow } from "./api";

export const PAGE_SIZE = 100;

export interface ListingFilter {
  q: string;
  statuses: readonly string[];
  metric: string;
}

export class Listing {
  /** Filtered run count; null until the first page arrives. */
  total: number | null = null;
  statusCounts: Record<string, number> = {};
  metricNames: string[] = [];
  error: string | null = null;
  private cursor = 0;
  private readonly pages = new Map<number, RunRow[]>();
  private readonly pending = new Set<number>();
  private generation = 0;

  constructor(
    readonly experiment: string,
    private filter: ListingFilter,
    private readonly changed: () => void,
  ) {}

  /** A new filter: everything loaded so far is for the old one. */
  setFilter(filter: ListingFilter): void {
    this.filter = filter;
    this.generation++;
    this.pages.clear();
    this.pending.clear();
    this.cursor = 0;
  }

  run(index: number): RunRow | undefined {
    return this.pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
  }

  /** Make sure the pages holding rows first..last are loaded (or loading). */
  need(first: number, last: number): void {
    for (let page = pageOf(first); page <= pageOf(last); page++) {
      if (!this.pages.has(page) && !this.pending.has(page)) void this.load(page);
    }
  }

  /**
   * Poll: ask for the first page in view with `since`; when something
   * changed, take it and reload the other pages in view, forget the rest.
   */
  async refresh(first: number, last: number): Promise<void> {
    if (this.total === null) {
      await this.load(pageOf(first));
      return;
    }
    const generation = this.generation;
    const top = pageOf(first);
    const body = await this.fetch(top, this.cursor);
    if (generation !== this.generation || body === null || body.unchanged) return;
    const keep = new Set<number>();
    for (let page = top; page <= pageOf(last); page++) keep.add(page);
    for (const page of [...this.pages.keys()]) if (!keep.has(page)) this.pages.delete(page);
    this.take(top, body);
    await Promise.all([...keep].filter((p) => p !== top).map((p) => this.load(p)));
  }

  private async load(page: number): Promise<void> {
    const generation = this.generation;
    this.pending.add(page);
    try {
      const body = await this.fetch(page, 0);
      if (generation === this.generation && body !== null) this.take(page, body);
    } finally {
      if (generation === this.generation) this.pending.delete(page);
    }
  }

  private async fetch(page: number, since: number): Promise<RunPage | null> {
    const query: Query = {
      offset: page * PAGE_SIZE,
      limit: PAGE_SIZE,
      q: this.filter.q === "" ? undefined : this.filter.q,
      status: this.filter.statuses.length > 0 ? this.filter.statuses.join(",") : undefined,
      metric: this.filter.metric === "" ? undefined : this.filter.metric,
      since: since > 0 ? since : undefined,
    };
    try {
      const body = await requestAPI<RunPage>(`experiments/${segment(this.experiment)}/runs`, query);
      this.error = null;
      return body;
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
      this.changed();
      return null;
    }
  }

  private take(page: number, body: RunPage): void {
    this.cursor = body.cursor;
    this.total = body.total;
    this.statusCounts = body.status_counts;
    this.metricNames = body.metric_names;
    this.pages.set(page, body.runs);
    this.changed();
  }
}

function pageOf(index: number): number {
  return Math.floor(Math.max(0, index) / PAGE_SIZE);
}
