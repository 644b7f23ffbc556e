// Sample trait values covering every wire field, shaped like src/runwatch/widgets/_wire.py.

export const XSS = "<img src=x onerror=alert(1)>";
const STATUSES = ["Completed", "Completed", "Completed", "Running", "Failed", "Canceled", "Queued"];

/** A small PNG data URL drawn on a canvas: a noisy loss curve and the step. */
function png(step, hue) {
  const canvas = document.createElement("canvas");
  canvas.width = 240;
  canvas.height = 160;
  const g = canvas.getContext("2d");
  g.fillStyle = "#fff";
  g.fillRect(0, 0, 240, 160);
  g.strokeStyle = `hsl(${hue} 70% 45%)`;
  g.lineWidth = 2;
  g.beginPath();
  for (let x = 0; x <= 220; x += 4) {
    const y = 20 + 120 * Math.exp(-x / (40 + step * 25)) + 6 * Math.sin(x / 7 + step);
    if (x === 0) g.moveTo(x + 10, y);
    else g.lineTo(x + 10, y);
  }
  g.stroke();
  g.fillStyle = "#333";
  g.font = "bold 16px sans-serif";
  g.fillText(`step ${step}`, 150, 30);
  return canvas.toDataURL("image/png");
}

/** The bytes the stand-in kernel sends for each image key (see harness.js). */
export const IMAGE_BYTES = new Map();

function image(key, step, dataUrl) {
  const binary = atob(dataUrl.split(",")[1]);
  IMAGE_BYTES.set(key, Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  return { step, key, type: "image/png" };
}

export function headerState(now) {
  return {
    _part: "header",
    run: {
      id: "digits_1732741200_0a1b2c3d",
      number: 12,
      experiment: "digits-sweep",
      display_name: "lr=0.03 depth=6",
      type: "azureml.scriptrun",
      status: "Failed",
      created_time: now - 3725,
      start_time: now - 3700,
      end_time: now - 100,
      error: {
        message: "CUDA out of memory while allocating 2.00 GiB",
        type: "RuntimeError",
        code: "UserError",
        traceback: [
          "Traceback (most recent call last):",
          '  File "train.py", line 88, in <module>',
          "    loss = model(batch)",
          '  File "model.py", line 12, in forward',
          "    return self.net(x)",
          "RuntimeError: CUDA out of memory while allocating 2.00 GiB",
        ].join("\n"),
        stderr: "warning: falling back to CPU\nKilled",
      },
      parent_id: "digits_sweep_1732741000",
      is_sweep: false,
    },
    now,
    properties: {
      "azureml.git.branch": "main",
      script: "train.py",
      primary_metric_name: "accuracy",
      max_total_runs: 120,
      user_managed: true,
      compute: null,
    },
    tags: { team: "vision", hypothesis: "deeper is better", [XSS]: XSS, flag: "" },
    scalars: [
      { name: "accuracy", value: 0.91234567, description: "validation accuracy after the last epoch" },
      { name: "epochs", value: 30, description: "" },
      { name: "converged", value: false, description: "" },
      { name: "note", value: "early plateau", description: "free text" },
      { name: "tiny", value: 0.0000123, description: "" },
      { name: "best_loss", value: null, description: "not logged yet" },
      { name: XSS, value: XSS, description: XSS },
    ],
    breadcrumb: [
      { id: "digits_sweep_1732741000", label: "Run 1 (sweep)" },
      { id: "digits_1732741200_0a1b2c3d", label: "Run 12" },
    ],
    polling: true,
    interval: 2,
  };
}

export function children(now, count = 120) {
  return Array.from({ length: count }, (_, i) => {
    const n = i + 2;
    const status = STATUSES[i % STATUSES.length];
    const started = status === "Queued" ? null : now - 7200 + i * 55;
    return {
      id: `digits_child_${String(n).padStart(4, "0")}`,
      number: n,
      status,
      metric: status === "Queued" ? null : Math.round((0.6 + 0.35 * Math.abs(Math.sin(n))) * 1e4) / 1e4,
      start_time: started,
      duration: started === null ? null : 40 + ((n * 37) % 300),
      params: {
        learning_rate: [0.001, 0.003, 0.01, 0.03, 0.1][n % 5],
        depth: 2 + (n % 7),
        optimizer: n % 2 ? "adam" : "sgd",
        [XSS]: XSS,
      },
      early_termination: i === 5 ? "BanditPolicy: slack 0.1 at interval 2 (accuracy 0.61 < 0.68)" : null,
    };
  });
}

/** One page of `all`, sorted as the Python side would. */
export function childrenPage(all, { page, sort_key, descending }, pageSize = 50) {
  const value = (row) =>
    sort_key.startsWith("param:") ? row.params[sort_key.slice(6)] : row[sort_key];
  const sorted = [...all].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    if (x === y) return a.number - b.number;
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    return (x < y ? -1 : 1) * (descending ? -1 : 1);
  });
  const counts = {};
  for (const row of all) counts[row.status] = (counts[row.status] ?? 0) + 1;
  return {
    total: all.length,
    counts,
    columns: ["learning_rate", "depth", "optimizer", XSS],
    metric: "accuracy",
    metric_label: "accuracy (best logged value)",
    goal: "MAXIMIZE",
    best: all.length > 0 ? { id: all[1].id, number: all[1].number, value: all[1].metric } : null,
    page,
    page_size: pageSize,
    sort_key,
    descending,
    rows: sorted.slice(page * pageSize, (page + 1) * pageSize),
  };
}

export function logLines(count, from = 0) {
  return Array.from({ length: count }, (_, i) => {
    const k = from + i;
    if (k % 9 === 4) return `[stderr] UserWarning: batch ${k} had NaN gradients; skipped`;
    return `epoch ${Math.floor(k / 10)} batch ${k % 10}: loss=${(1 / (k + 1)).toFixed(4)} acc=${(0.5 + k / 200).toFixed(3)}`;
  });
}

export function bodyState(now, allChildren) {
  return {
    _part: "body",
    tables: [
      {
        name: "per_class",
        columns: ["class", "precision", "recall", "f1", "support"],
        rows: Array.from({ length: 10 }, (_, c) => [
          `digit ${c}`,
          0.9 + c / 120,
          0.88 + c / 100,
          0.89 + c / 110,
          170 + c,
        ]),
        total_rows: 10,
      },
      {
        name: "lr_schedule",
        columns: ["epoch", "lr", "warmup"],
        rows: Array.from({ length: 20 }, (_, i) => [i + 280, 0.03 * 0.97 ** (i + 280), false]),
        total_rows: 300,
      },
      {
        name: XSS,
        columns: [XSS, "value", "missing"],
        rows: [
          [XSS, 1, null],
          ["ok", 2.5, true],
        ],
        total_rows: 2,
      },
    ],
    images: [
      {
        name: "loss_curve",
        items: [1, 2, 3].map((step) => image(`loss_curve_${step}.png`, step, png(step, 210))),
      },
      { name: "confusion", items: [image("confusion.png", 0, png(0, 10))] },
      { name: "evil", items: [{ step: 0, key: "evil.html", type: "text/html" }] },
    ],
    log: { name: "driver_log.txt", lines: logLines(60), truncated: true },
    children: childrenPage(allChildren, { page: 0, sort_key: "number", descending: false }),
  };
}
