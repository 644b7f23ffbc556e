/**
 * anywidget entry of RunDetails. Python shows two models, the header and the
 * body (the bqplot charts sit between them); the `_part` trait says which one
 * this is.
 */

import type { AnyModel, InitializeProps, RenderProps } from "@anywidget/types";
import type { BodyTraits, HeaderTraits } from "./wire";
import { renderBody } from "./parts/body";
import { renderHeader } from "./parts/header";
import { applyPoints, isPointsMessage } from "./parts/points";
import "./widget.css";

type Part = { _part: string };

/** Once per model: the body part carries the charts' new points (see parts/points.ts). */
function initialize({ model }: InitializeProps<Part>): void {
  if (model.get("_part") !== "body") return;
  model.on("msg:custom", (msg: unknown, buffers: DataView[]) => {
    if (isPointsMessage(msg)) void applyPoints(model.widget_manager, msg, buffers);
  });
}

function render({ model, el }: RenderProps<Part>): () => void {
  const part = model.get("_part");
  if (part === "header") return renderHeader(model as unknown as AnyModel<HeaderTraits>, el);
  if (part === "body") return renderBody(model as unknown as AnyModel<BodyTraits>, el);
  el.textContent = `runwatch: unknown widget part ${JSON.stringify(part)}`;
  return () => undefined;
}

export default { initialize, render };
