/**
 * New points of a chart line, sent by RunDetails as a `points` message with two
 * float64 buffers (x, y) instead of the whole line: the bqplot mark named in
 * the message keeps its first `keep` points and gets the new ones after them.
 * Applying a message twice gives the same line, so every view may apply it.
 */

import type { PointsMessage } from "../wire";

/** The part of a widget model this needs: bqplot's mark models are Backbone models. */
interface MarkModel {
  get(name: "x" | "y"): ArrayLike<number> | null | undefined;
  set(values: Record<string, unknown>): void;
}

interface Manager {
  get_model(id: string): Promise<unknown>;
}

export function isPointsMessage(msg: unknown): msg is PointsMessage {
  const m = msg as Partial<PointsMessage> | null;
  return (
    typeof m === "object" &&
    m !== null &&
    m.type === "points" &&
    typeof m.mark === "string" &&
    typeof m.keep === "number" &&
    typeof m.n === "number"
  );
}

/** `old`'s first `keep` values, then the `n` little-endian float64 values of `added`. */
export function appendPoints(
  old: ArrayLike<number> | null | undefined,
  keep: number,
  added: DataView,
  n: number,
): Float64Array {
  const kept = Math.min(keep, old?.length ?? 0);
  const count = Math.min(n, Math.floor(added.byteLength / 8));
  const out = new Float64Array(kept + count);
  for (let i = 0; i < kept; i++) out[i] = (old as ArrayLike<number>)[i] ?? NaN;
  for (let i = 0; i < count; i++) out[kept + i] = added.getFloat64(i * 8, true);
  // bqplot's own deserializer tags its typed arrays with their dtype.
  (out as Float64Array & { type?: string }).type = "float64";
  return out;
}

export async function applyPoints(
  manager: Manager,
  msg: PointsMessage,
  buffers: readonly DataView[],
): Promise<void> {
  const [xs, ys] = buffers;
  if (xs === undefined || ys === undefined) return;
  const mark = (await manager.get_model(msg.mark)) as MarkModel | undefined;
  if (mark === undefined) return;
  mark.set({
    x: appendPoints(mark.get("x"), msg.keep, xs, msg.n),
    y: appendPoints(mark.get("y"), msg.keep, ys, msg.n),
  });
}
