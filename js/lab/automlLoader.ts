/**
 * An AutoML search's view kept current: an `AutoMLView` (automl.ts) fed by
 * GET runs/{id}/automl with the query the view asks for (metric, page, sort,
 * order) and the store's cursor, so a poll that finds nothing new draws
 * nothing. The run panel and the dashboard each own one.
 */

import { requestAPI, segment } from "./api";
import { AutoMLView } from "./automl";
import type { AutoMLBody } from "./automl";

export interface AutoMLLoaderOptions {
  /** The AutoML search (the parent run). */
  runId: string;
  /** Open an iteration's run panel (a row or a chart point was clicked). */
  open(runId: string): void;
  /** A load the view asked for (another metric, sort or page) failed. */
  failed(error: unknown): void;
}

export class AutoMLLoader {
  readonly view: AutoMLView;
  /** The store's cursor of the drawn view; null: the next load asks for all of it. */
  private cursor: number | null = null;
  /** The latest load started: an answer to an earlier one is out of date. */
  private serial = 0;

  constructor(private readonly options: AutoMLLoaderOptions) {
    this.view = new AutoMLView({
      query: () => {
        // A new query: whatever the cursor says, the drawn view is not this one.
        this.cursor = null;
        this.load().catch((error: unknown) => {
          options.failed(error);
        });
      },
      open: (id) => {
        options.open(id);
      },
    });
  }

  get el(): HTMLElement {
    return this.view.el;
  }

  /**
   * Draw the view if it changed since the last one drawn (`fresh`: whatever the
   * cursor). True when it was drawn; false when nothing changed, the run is not
   * an AutoML search, or a later load (another query) overtook this one.
   */
  async load(fresh = false): Promise<boolean> {
    if (fresh) this.cursor = null;
    const serial = ++this.serial;
    const { metric, page, sort, order } = this.view.query;
    const body = await requestAPI<AutoMLBody>(`runs/${segment(this.options.runId)}/automl`, {
      since: this.cursor ?? undefined,
      metric,
      page,
      sort,
      order,
    });
    if (serial !== this.serial || body.unchanged || body.automl === null) return false;
    this.cursor = body.cursor;
    this.view.update(body.automl);
    return true;
  }
}
