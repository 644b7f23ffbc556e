/**
 * The live refresh of a panel: a poll every `interval` seconds while the
 * panel is visible, a one-second tick that advances the durations of active
 * runs without asking the server, and the refresh that the button and the
 * command call, which shares the poll in flight.
 *
 * The panel owns one and forwards its messages to `follow` after handling
 * them itself: the poll resumes on after-show and on after-attach when
 * visible (a panel restored or added visible gets after-attach only; one
 * brought back to the front, after-show), and stops on after-hide and
 * before-detach. The panel stops it when disposed.
 */

import type { Message } from "@lumino/messaging";
import type { Widget } from "@lumino/widgets";

export interface LiveRefreshOptions {
  /** Load what changed. */
  poll(): Promise<void>;
  /** Seconds between polls, read when the timer starts. */
  interval(): number;
  /** Every second while live. */
  tick(): void;
  /**
   * Poll only while this holds, each poll timed from the end of the last
   * (a run's details, until the run finishes). Without it, poll at a fixed
   * interval from when the panel shows.
   */
  while?: () => boolean;
}

export class LiveRefresh {
  private pollTimer = 0;
  private tickTimer = 0;
  private polling: Promise<void> | null = null;

  constructor(
    private readonly owner: Widget,
    private readonly options: LiveRefreshOptions,
  ) {}

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
    if (this.pollTimer !== 0) this.start();
  }

  stop(): void {
    window.clearTimeout(this.pollTimer);
    window.clearInterval(this.tickTimer);
    this.pollTimer = this.tickTimer = 0;
  }

  private resume(): void {
    if (this.options.while === undefined) {
      this.start();
      void this.refresh();
    } else {
      void this.refresh().then(() => {
        this.schedule();
      });
    }
  }

  private start(): void {
    if (this.options.while !== undefined) {
      this.schedule();
      return;
    }
    this.stop();
    this.pollTimer = window.setInterval(() => {
      void this.refresh();
    }, this.options.interval() * 1000);
    this.startTick();
  }

  /** The next poll of a panel that polls only while `while` holds. */
  private schedule(): void {
    this.stop();
    if (this.options.while?.() !== true || !this.owner.isVisible || this.owner.isDisposed) return;
    this.pollTimer = window.setTimeout(() => {
      void this.refresh().then(() => {
        this.schedule();
      });
    }, this.options.interval() * 1000);
    this.startTick();
  }

  private startTick(): void {
    this.tickTimer = window.setInterval(() => {
      this.options.tick();
    }, 1000);
  }
}
