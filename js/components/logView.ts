/**
 * The log tail: a monospace box that follows new lines like `tail -f` until the
 * user scrolls up or ticks "scroll lock". Scrolling up ticks it by itself, and
 * scrolling back to the bottom unticks it (a tick the user made stays).
 */

import type { LogState } from "../wire";
import { el } from "./dom";
import { isAtBottom } from "./tablesView";

const STDERR = "[stderr] ";

export interface LogView {
  readonly el: HTMLElement;
  update(log: LogState): void;
  dispose(): void;
}

export function createLogView(): LogView {
  const name = el("span", "rw-block-name");
  const note = el("span", "rw-note");
  const lock = el("input", "");
  lock.type = "checkbox";
  const lockLabel = el("label", "rw-lock", lock, "scroll lock");
  lockLabel.title = "Stop following new lines";
  const truncated = el("div", "rw-log-truncated", "… earlier lines are not shown");
  const lines = el("div", "rw-log-lines");
  const box = el("div", "rw-log rw-scroll", truncated, lines);
  box.tabIndex = 0;
  box.setAttribute("role", "log");
  const root = el(
    "div",
    "rw-log-block",
    el("div", "rw-block-title", name, note, el("span", "rw-spacer"), lockLabel),
    box,
  );

  let shown: readonly string[] = [];
  let lockedByScroll = false;
  let following = true;

  const toBottom = (): void => {
    box.scrollTop = box.scrollHeight;
  };

  box.addEventListener("scroll", () => {
    const bottom = isAtBottom(box);
    if (!bottom && !lock.checked) {
      lock.checked = true;
      lockedByScroll = true;
    } else if (bottom && lock.checked && lockedByScroll) {
      lock.checked = false;
      lockedByScroll = false;
    }
    following = !lock.checked;
  });
  lock.addEventListener("change", () => {
    lockedByScroll = false;
    following = !lock.checked;
    if (following) toBottom();
  });

  // The box may get its size only after render (not yet attached, or hidden):
  // catch up with the bottom then.
  const resized = new ResizeObserver(() => {
    if (following) toBottom();
  });
  resized.observe(box);

  function update(log: LogState): void {
    name.textContent = log.name;
    note.textContent = `${log.lines.length} ${log.lines.length === 1 ? "line" : "lines"}`;
    truncated.hidden = !log.truncated;
    if (startsWith(log.lines, shown)) {
      lines.append(...log.lines.slice(shown.length).map(lineNode));
    } else {
      lines.replaceChildren(...log.lines.map(lineNode));
    }
    shown = log.lines;
    if (following) toBottom();
  }

  return {
    el: root,
    update,
    dispose: () => {
      resized.disconnect();
    },
  };
}

function lineNode(line: string): HTMLDivElement {
  if (!line.startsWith(STDERR)) return el("div", "rw-log-line", line);
  return el(
    "div",
    "rw-log-line rw-log-stderr",
    el("span", "rw-log-marker", STDERR.trimEnd()),
    line.slice(STDERR.length - 1),
  );
}

/** Whether `prefix` is the start of `lines` (the new tail only appended to). */
function startsWith(lines: readonly string[], prefix: readonly string[]): boolean {
  if (prefix.length > lines.length) return false;
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (lines[i] !== prefix[i]) return false;
  }
  return true;
}
