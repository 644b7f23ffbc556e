/**
 * The widgets' wire shapes: the JSON each synced trait holds.
 *
 * Mirrors src/runwatch/views/_widget_shapes.py field for field (same names, same
 * optionality); tests/unit/widgets/test_wire.py checks that the two agree.
 */

export type Cell = string | number | boolean | null;

export interface ErrorState {
  message?: string;
  type?: string;
  traceback?: string;
  stderr?: string;
  code?: string;
}

export interface RunState {
  id: string;
  number: number;
  experiment: string;
  display_name: string | null;
  type: string;
  status: string;
  created_time: number;
  start_time: number | null;
  end_time: number | null;
  error: ErrorState | null;
  parent_id: string | null;
  is_sweep: boolean;
  /** A sweep's trial: "Trial 7", the number it goes by in its sweep; else null. */
  trial_label: string | null;
}

export interface ScalarRow {
  name: string;
  value: Cell;
  description: string;
}

export interface Crumb {
  id: string;
  label: string;
}

export interface TableState {
  name: string;
  columns: string[];
  rows: Cell[][];
  total_rows: number;
}

/** One logged image: its bytes arrive apart, in an `ImageMessage` for `key`. */
export interface ImageItem {
  step: number;
  key: string;
  type: string;
}

export interface ImageGroup {
  name: string;
  items: ImageItem[];
}

export interface LogState {
  name: string;
  lines: string[];
  truncated: boolean;
}

export interface ChildRow {
  id: string;
  number: number;
  status: string;
  metric: number | string | null;
  start_time: number | null;
  duration: number | null;
  params: Record<string, Cell>;
  early_termination: string | null;
  /** A sweep's trial: "Trial 7", its index (views/_sweeps.py trial_label); else null. */
  trial_label: string | null;
}

export interface BestChild {
  id: string;
  number: number;
  value: number | string | null;
  trial_label: string | null;
}

export interface ChildrenState {
  total: number;
  counts: Record<string, number>;
  columns: string[];
  metric: string | null;
  metric_label: string | null;
  goal: "MINIMIZE" | "MAXIMIZE" | null;
  best: BestChild | null;
  page: number;
  page_size: number;
  sort_key: string;
  descending: boolean;
  rows: ChildRow[];
}

export interface ColumnState {
  key: string;
  label: string;
  group: string;
  numeric: boolean;
}

export interface RunsRow {
  id: string;
  number: number;
  status: string;
  display_name: string | null;
  created_time: number;
  start_time: number | null;
  end_time: number | null;
  values: Record<string, Cell>;
  /** A sweep's trial in its sweep's table: "Trial 7"; else null. */
  trial_label: string | null;
}

export interface RunsTableState {
  total: number;
  offset: number;
  limit: number;
  status_counts: Record<string, number>;
  columns: ColumnState[];
  rows: RunsRow[];
  sort: string;
  descending: boolean;
  text: string;
  statuses: string[];
}

export interface ScopeState {
  experiment: string;
  parent_id: string | null;
  title: string;
  status: string | null;
}

/** Traits of the model whose `_part` is "header" (HEADER_TRAITS in Python). */
export interface HeaderTraits {
  _part: "header";
  run: RunState;
  now: number;
  properties: Record<string, Cell>;
  tags: Record<string, string>;
  scalars: ScalarRow[];
  breadcrumb: Crumb[];
  polling: boolean;
  interval: number;
}

/** Traits of the model whose `_part` is "body" (BODY_TRAITS in Python). */
export interface BodyTraits {
  _part: "body";
  tables: TableState[];
  images: ImageGroup[];
  log: LogState | null;
  children: ChildrenState | null;
}

/** Traits of ExperimentDetails' runs part (RUNS_TRAITS in Python). */
export interface RunsTraits {
  scope: ScopeState;
  table: RunsTableState | null;
  selected: string[];
  max_selected: number;
  notice: string;
  polling: boolean;
  interval: number;
}

/** What the frontend sends with `model.send` (handled by the Python side). */
export interface ChildrenQuery {
  page: number;
  sort_key: string;
  descending: boolean;
}

export type OutgoingMessage =
  | WantImagesMessage
  | { type: "back" }
  | ({ type: "children_page" } & ChildrenQuery)
  | { type: "open_child"; id: string }
  | { type: "compare_children" };

/**
 * A custom message of the body part, with two float64 buffers (x, y): keep the
 * first `keep` points of the bqplot mark `mark` (its model id), then append the
 * `n` points of the buffers.
 */
export interface PointsMessage {
  type: "points";
  mark: string;
  keep: number;
  n: number;
}

/**
 * A custom message of the body part with one buffer: the bytes of image `key`.
 * Sent when an image first appears, and for the keys a `WantImagesMessage` asks for.
 */
export interface ImageMessage {
  type: "image";
  key: string;
  mime: string;
}

/** What a view sends for images it has no bytes of (e.g. after a page reload). */
export interface WantImagesMessage {
  type: "want_images";
  keys: string[];
}

/** What ExperimentDetails' runs part sends (handled by the Python side). */
export interface TableQueryMessage {
  sort?: string;
  descending?: boolean;
  text?: string;
  statuses?: string[];
  offset?: number;
}

export type RunsMessage =
  | ({ type: "table_query" } & TableQueryMessage)
  | { type: "select"; ids: string[] }
  | { type: "open_run"; id: string }
  | { type: "export_csv" };
