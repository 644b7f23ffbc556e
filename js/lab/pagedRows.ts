/**
 * Rows a server route pages by offset/limit, loaded a page at a time as they
 * come into view and refreshed with `since`, so an unchanged poll costs the
 * server one indexed read. The sidebar's listings and the dashboard's table
 * both page this way; each says how to ask for a page and what it holds.
 */

export const PAGE_SIZE = 100;

/** The fields every paged answer carries besides its rows. */
export interface PagedBody {
  cursor: number;
  unchanged: boolean;
  total: number;
  status_counts: Record<string, number>;
}

export abstract class PagedRows<Row, Body extends PagedBody> {
  /** Filtered run count; null until the first page arrives. */
  total: number | null = null;
  statusCounts: Record<string, number> = {};
  error: string | null = null;
  private cursor = 0;
  private readonly pages = new Map<number, Row[]>();
  private readonly pending = new Set<number>();
  private generation = 0;

  constructor(private readonly changed: () => void) {}

  /** Ask the server for rows offset..offset+limit; with `since`, only if they changed after it. */
  protected abstract fetchPage(
    offset: number,
    limit: number,
    since: number | undefined,
  ): Promise<Body>;

  /** Take what a page's answer says besides the counts; return its rows. */
  protected abstract absorb(body: Body): Row[];

  /** A new filter or sort: everything loaded so far is for the old one. */
  protected reset(): void {
    this.generation++;
    this.pages.clear();
    this.pending.clear();
    this.cursor = 0;
  }

  protected rowAt(index: number): Row | undefined {
    return this.pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
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

  private async fetch(page: number, since: number): Promise<Body | null> {
    try {
      const body = await this.fetchPage(page * PAGE_SIZE, PAGE_SIZE, since > 0 ? since : undefined);
      this.error = null;
      return body;
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
      this.changed();
      return null;
    }
  }

  private take(page: number, body: Body): void {
    this.cursor = body.cursor;
    this.total = body.total;
    this.statusCounts = body.status_counts;
    this.pages.set(page, this.absorb(body));
    this.changed();
  }
}

function pageOf(index: number): number {
  return Math.floor(Math.max(0, index) / PAGE_SIZE);
}
