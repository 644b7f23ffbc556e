import { Message } from "@lumino/messaging";
import { Signal } from "@lumino/signaling";
import type { Widget } from "@lumino/widgets";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LiveRefresh } from "./liveRefresh";
import type { LiveRefreshOptions } from "./liveRefresh";

/** What LiveRefresh reads of its panel, without a DOM. */
class FakePanel {
  isVisible = true;
  isDisposed = false;
  readonly disposed = new Signal<this, void>(this);

  dispose(): void {
    this.isDisposed = true;
    this.disposed.emit(undefined);
  }
}

function message(type: string): Message {
  return new Message(type);
}

function live(options: Partial<LiveRefreshOptions> = {}) {
  const panel = new FakePanel();
  const counts = { polls: 0, ticks: 0 };
  let seconds = 5;
  const refresh = new LiveRefresh(panel as unknown as Widget, {
    poll: () => {
      counts.polls++;
      return Promise.resolve();
    },
    interval: () => seconds,
    tick: () => {
      counts.ticks++;
    },
    ...options,
  });
  return {
    panel,
    counts,
    refresh,
    setInterval: (value: number) => {
      seconds = value;
    },
  };
}

describe("LiveRefresh", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("polls when shown, then every interval, and ticks every second", async () => {
    const { counts, refresh } = live();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(counts).toEqual({ polls: 0, ticks: 0 });
    refresh.follow(message("after-show"));
    await vi.advanceTimersByTimeAsync(1);
    expect(counts.polls).toBe(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(counts.polls).toBe(3);
    expect(counts.ticks).toBeGreaterThanOrEqual(9);
  });

  it("stops when hidden or detached, and after-attach resumes only a visible panel", async () => {
    const { panel, counts, refresh } = live();
    refresh.follow(message("after-show"));
    await vi.advanceTimersByTimeAsync(1);
    refresh.follow(message("after-hide"));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(counts.polls).toBe(1);
    panel.isVisible = false;
    refresh.follow(message("after-attach"));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(counts.polls).toBe(1);
    panel.isVisible = true;
    refresh.follow(message("after-attach"));
    await vi.advanceTimersByTimeAsync(1);
    expect(counts.polls).toBe(2);
    refresh.follow(message("before-detach"));
    await vi.advanceTimersByTimeAsync(60_000);
    expect(counts.polls).toBe(2);
  });

  it("shares one poll between concurrent refreshes", async () => {
    let finish = (): void => undefined;
    let polls = 0;
    const { refresh } = live({
      poll: () => {
        polls++;
        return new Promise<void>((resolve) => {
          finish = resolve;
        });
      },
    });
    const first = refresh.refresh();
    expect(refresh.refresh()).toBe(first);
    finish();
    await first;
    void refresh.refresh();
    expect(polls).toBe(2);
  });

  it("polls once on show, then only while `while` holds", async () => {
    let active = false;
    const { counts, refresh } = live({ while: () => active });
    refresh.follow(message("after-show"));
    await vi.advanceTimersByTimeAsync(30_000);
    expect(counts).toEqual({ polls: 1, ticks: 0 });
    active = true;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(counts.polls).toBe(2);
    expect(counts.ticks).toBeGreaterThan(0);
  });

  it("takes a new interval at once without polling now", async () => {
    const { counts, refresh, setInterval } = live();
    refresh.follow(message("after-show"));
    await vi.advanceTimersByTimeAsync(1);
    setInterval(60);
    refresh.restart();
    await vi.advanceTimersByTimeAsync(59_000);
    expect(counts.polls).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(counts.polls).toBe(2);
  });

  it("stops for good when its panel is disposed", async () => {
    const { panel, counts, refresh } = live();
    refresh.follow(message("after-show"));
    await vi.advanceTimersByTimeAsync(1);
    panel.dispose();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(counts.polls).toBe(1);
  });
});
