/**
 * anywidget entry of ExperimentDetails' runs part (the bqplot charts and
 * their dropdowns are ipywidgets next to it). Styles: RunDetails' sheet plus
 * the table's own rules.
 */

import type { RenderProps } from "@anywidget/types";
import type { RunsTraits } from "./wire";
import { renderRuns } from "./parts/runs";
import "./widget.css";
import "./components/runsTable.css";
import "./experiment.css";

function render({ model, el }: RenderProps<RunsTraits>): () => void {
  return renderRuns(model, el);
}

export default { render };
