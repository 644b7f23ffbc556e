/**
 * The runs of one experiment under the sidebar's filter, loaded a page at a
 * time by offset/limit as rows come into view, and refreshed with `since` so
 * an unchanged poll costs the server one indexed read.
 */

import { requestAPI, segment } from "./api";
import type { Query, RunPage, RunRow } from "./api";
import { PagedRows } from "./pagedRows";

export interface ListingFilter {
  q: string;
  statuses: readonly string[];
  metric: string;
}

export class Listing extends PagedRows<RunRow, RunPage> {
  metricNames: string[] = [];
  /** Without a chosen metric: the first one this experiment's runs logged. */
  private automatic = "";

  constructor(
    readonly experiment: string,
    private filter: ListingFilter,
    changed: () => void,
  ) {
    super(changed);
  }

  /**
   * A new filter: everything loaded so far is for the old one. Its first page
   * is asked for now: after a filter that matched nothing there is no row in
   * view to ask for it, and the rows would wait for the next poll.
   */
  setFilter(filter: ListingFilter): void {
    this.filter = filter;
    this.reset();
    this.need(0, 0);
  }

  run(index: number): RunRow | undefined {
    return this.rowAt(index);
  }

  /** The metric shown for each run of this experiment: the chosen one, else its own first. */
  get metric(): string {
    return this.filter.metric !== "" ? this.filter.metric : this.automatic;
  }

  protected fetchPage(offset: number, limit: number, since: number | undefined): Promise<RunPage> {
    const query: Query = {
      offset,
      limit,
      q: this.filter.q === "" ? undefined : this.filter.q,
      status: this.filter.statuses.length > 0 ? this.filter.statuses.join(",") : undefined,
      metric: this.metric === "" ? undefined : this.metric,
      since,
    };
    return requestAPI<RunPage>(`experiments/${segment(this.experiment)}/runs`, query);
  }

  protected absorb(body: RunPage): RunRow[] {
    this.metricNames = body.metric_names;
    const first = body.metric_names[0];
    if (this.filter.metric === "" && this.automatic === "" && first !== undefined) {
      // These rows carry no metric: ask again with this experiment's own first metric.
      this.automatic = first;
      queueMicrotask(() => {
        this.reset();
        this.need(0, 0);
      });
    }
    return body.runs;
  }
}
