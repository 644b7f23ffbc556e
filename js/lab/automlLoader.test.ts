import { beforeEach, describe, expect, it, vi } from "vitest";
import type { AutoMLOptions, AutoMLQuery, AutoMLState } from "./automl";

/** The requests made, each answered when the test says. */
const requests: {
  path: string;
  query: Record<string, unknown>;
  answer(body: unknown): void;
}[] = [];

vi.mock("./api", () => ({
  segment: (value: string) => encodeURIComponent(value),
  requestAPI: (path: string, query: Record<string, unknown>) =>
    new Promise((resolve) => {
      requests.push({ path, query, answer: resolve });
    }),
}));

/** The view without a DOM: what it was asked to draw, and its query as AutoMLView keeps it. */
vi.mock("./automl", () => ({
  AutoMLView: class {
    readonly el = {};
    query: AutoMLQuery = { metric: undefined, page: 0, sort: "iteration", order: "asc" };
    readonly drawn: string[] = [];
    constructor(readonly options: AutoMLOptions) {}
    update(state: AutoMLState): void {
      this.query = { ...this.query, metric: state.metric };
      this.drawn.push(state.metric);
    }
    /** As a picked metric does: the new query, then the owner asks for it. */
    pick(metric: string): void {
      this.query = { ...this.query, metric, page: 0 };
      this.options.query(this.query);
    }
  },
}));

const { AutoMLLoader } = await import("./automlLoader");

interface FakeView {
  drawn: string[];
  pick(metric: string): void;
}

function body(cursor: number, metric: string, unchanged = false): unknown {
  return { cursor, unchanged, automl: unchanged ? null : { metric } };
}

function loader() {
  const opened: string[] = [];
  const failed: unknown[] = [];
  const automl = new AutoMLLoader({
    runId: "AutoML 1",
    open: (id) => opened.push(id),
    failed: (error) => failed.push(error),
  });
  return { automl, view: automl.view as unknown as FakeView, opened, failed };
}

/** Let the awaited answers be handled. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("AutoMLLoader", () => {
  beforeEach(() => {
    requests.length = 0;
  });

  it("asks for everything first, then only what changed since the cursor", async () => {
    const { automl, view } = loader();
    const first = automl.load();
    expect(requests[0]?.path).toBe("runs/AutoML%201/automl");
    expect(requests[0]?.query.since).toBeUndefined();
    requests[0]?.answer(body(7, "AUC_weighted"));
    expect(await first).toBe(true);
    const second = automl.load();
    expect(requests[1]?.query.since).toBe(7);
    requests[1]?.answer(body(7, "AUC_weighted", true));
    expect(await second).toBe(false);
    expect(view.drawn).toEqual(["AUC_weighted"]);
    const fresh = automl.load(true);
    expect(requests[2]?.query.since).toBeUndefined();
    requests[2]?.answer(body(7, "AUC_weighted"));
    expect(await fresh).toBe(true);
  });

  it("asks for a picked metric whatever the cursor, and a poll started before it is dropped", async () => {
    const { automl, view } = loader();
    const first = automl.load();
    requests[0]?.answer(body(3, "AUC_weighted"));
    await first;
    const poll = automl.load(); // in flight with the old query
    view.pick("log_loss");
    expect(requests[2]?.query).toMatchObject({ since: undefined, metric: "log_loss", page: 0 });
    requests[2]?.answer(body(3, "log_loss"));
    await settle();
    requests[1]?.answer(body(4, "AUC_weighted"));
    expect(await poll).toBe(false);
    expect(view.drawn).toEqual(["AUC_weighted", "log_loss"]);
  });

  it("a poll started after a pick, before its answer, asks for all of the new query", async () => {
    const { automl, view } = loader();
    const first = automl.load();
    requests[0]?.answer(body(3, "AUC_weighted"));
    await first;
    view.pick("log_loss");
    const poll = automl.load();
    expect(requests[2]?.query).toMatchObject({ since: undefined, metric: "log_loss" });
    requests[2]?.answer(body(3, "log_loss"));
    expect(await poll).toBe(true);
    requests[1]?.answer(body(3, "log_loss"));
    await settle();
    expect(view.drawn).toEqual(["AUC_weighted", "log_loss"]);
  });

  it("reports a failed pick to its owner", async () => {
    const { automl, view, failed } = loader();
    const first = automl.load();
    requests[0]?.answer(body(3, "AUC_weighted"));
    await first;
    requests.length = 0;
    vi.spyOn(automl, "load").mockRejectedValueOnce(new Error("gone"));
    view.pick("log_loss");
    await settle();
    expect(failed).toEqual([new Error("gone")]);
  });
});
