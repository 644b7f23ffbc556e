/** A failed run's error: message up front, traceback and stderr folded away. */

import type { ErrorState } from "../wire";
import { el } from "./dom";

export function errorBlock(error: ErrorState): HTMLElement {
  const head = el(
    "div",
    "rw-error-head",
    el("span", "rw-error-icon", "!"),
    el("span", "rw-error-type", error.type ?? "Error"),
    error.code !== undefined && error.code !== "" && el("span", "rw-error-code", error.code),
  );
  return el(
    "div",
    "rw-error",
    head,
    el("div", "rw-error-message", error.message ?? "(no message)"),
    foldout("Traceback", error.traceback),
    foldout("stderr", error.stderr),
  );
}

function foldout(title: string, body: string | undefined): HTMLDetailsElement | null {
  if (body === undefined || body === "") return null;
  const lines = body.split("\n").length;
  return el(
    "details",
    "rw-error-details",
    el("summary", "", title, el("span", "rw-count", `${lines} lines`)),
    el("pre", "rw-pre", body),
  );
}
