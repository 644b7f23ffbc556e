/**
 * The live refresh of a panel: a poll every `interval` seconds while the
 * panel is visible, a one-second tick that advances the durations of active
 * runs without asking the server, and the refresh that the button and the
 * command call, which shares the poll in flight.
 *
 * Both timers are lumino `Poll`s (as JupyterLab's own polls): each poll is
 * timed from the end of the last, a failing poll backs off, and both stand by
 * while the browser tab is hidden.
 *
 * The panel owns one and forwards its messages to `follow` after handling
 * them itself: the poll resumes on after-show and on after-attach when
 * visible (a panel restored or added visible gets after-attach only; one
 * brought back to the front, after-show), and stops on after-hide and
 * before-detach. Its polls are disposed with the panel.
 */

import type { Message } from "@lumino/messaging";
import { Poll } from "@lumino/polling";
import type { Widget } from "@lumino/widgets";

export interface LiveRefreshOptions {
  /** Load what changed. */
  poll(): Promise<void>;
  /** Seconds between polls, read before each one. */
  interval(): number;
  /** Every second while live. */
  tick(): void;
  /**
   * Poll only while this holds (a run's details, until the run finishes); the
   * first poll after the panel shows runs either way. Without it, poll while
   * the panel is visible.
   */
  while?: () => boolean;
}

const TICK_MS = 1000;

export class LiveRefresh {
  private polling: Promise<void> | null = null;
  private readonly poller: Poll<void, unknown>;
  private readonly ticker: Poll<void, unknown>;

  constructor(
    private readonly owner: Widget,
    private readonly options: LiveRefreshOptions,
  ) {
    this.poller = new Poll({
      auto: false,
      name: "runwatch:live-refresh",
      frequency: this.frequency(),
      factory: () => {
        this.poller.frequency = this.frequency();
        return this.refresh();
      },
      standby: () => (this.poller.state.phase === "started" ? "never" : this.standby()),
    });
    this.ticker = new Poll({
      auto: false,
      name: "runwatch:live-tick",
      frequency: { interval: TICK_MS, max: TICK_MS, backoff: false },
      factory: () => {
        this.options.tick();
        return Promise.resolve();
      },
      standby: () => this.standby(),
    });
    owner.disposed.connect(() => {
      this.poller.dispose();
      this.ticker.dispose();
    });
  }

  /** Poll now; concurrent calls share one poll. */
  refresh(): Promise<void> {
    this.polling ??= this.options.poll().finally(() => {
      this.polling = null;
    });
    return this.polling;
  }

  /** Call with each message after the owner's own `processMessage`. */
  follow(msg: Message): void {
    switch (msg.type) {
      case "after-attach":
        if (this.owner.isVisible) this.resume();
        break;
      case "after-show":
        this.resume();
        break;
      case "after-hide":
      case "before-detach":
        this.stop();
        break;
    }
  }

  /** A new interval: restart the timers if they run, without polling now. */
  restart(): void {
    const phase = this.poller.state.phase;
    if (phase === "constructed" || phase === "stopped" || phase === "disposed") return;
    this.poller.frequency = this.frequency();
    void this.poller.schedule({ interval: this.poller.frequency.interval, phase: "standby" });
  }

  stop(): void {
    void this.poller.stop();
    void this.ticker.stop();
  }

  /** Poll now, then every interval; tick every second. */
  private resume(): void {
    void this.poller.start();
    void this.ticker.start();
  }

  /** Whether to skip a poll or tick: the run is done, or the tab is hidden. */
  private standby(): boolean | Poll.Standby {
    return this.options.while?.() === false ? true : "when-hidden";
  }

  private frequency(): { interval: number; max: number; backoff: boolean } {
    const interval = this.options.interval() * 1000;
    // A failing poll waits twice as long each time, up to a minute (or one interval).
    return { interval, max: Math.max(interval, 60_000), backoff: true };
  }
}
