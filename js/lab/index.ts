/**
 * runwatch's JupyterLab extension: the sidebar, one details panel per run, one
 * dashboard per experiment (or sweep), the palette commands, and
 * `lab?runwatch-run=<id>` opening a run on load.
 */

import { ILayoutRestorer, IRouter } from "@jupyterlab/application";
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from "@jupyterlab/application";
import { ICommandPalette, MainAreaWidget, WidgetTracker } from "@jupyterlab/apputils";
import { INotebookTracker, NotebookActions } from "@jupyterlab/notebook";
import { ISettingRegistry } from "@jupyterlab/settingregistry";
import { LabIcon } from "@jupyterlab/ui-components";
import { DashboardPanel } from "./dashboard";
import { RunPanel } from "./details";
import type { NotebookTarget } from "./details";
import { RunwatchSidebar } from "./sidebar";
import { requestAPI } from "./api";
import type { ExperimentList } from "./api";

const PLUGIN_ID = "runwatch:plugin";

export const CommandIDs = {
  openSidebar: "runwatch:open-sidebar",
  refresh: "runwatch:refresh",
  openRun: "runwatch:open-run",
  openDashboard: "runwatch:open-dashboard",
  openFromUrl: "runwatch:open-run-from-url",
} as const;

/** The query parameter of `run.get_portal_url()`: `<server>lab?runwatch-run=<id>`. */
const URL_PARAM = "runwatch-run";

// A pulse line over a baseline: the runwatch mark (static markup, no user data).
const ICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">
<path class="jp-icon3" fill="none" stroke="#616161" stroke-width="2" stroke-linecap="round"
stroke-linejoin="round" d="M2 13h4l3-8 4 14 3-9 2 3h4"/></svg>`;

export const runwatchIcon = new LabIcon({ name: "runwatch:icon", svgstr: ICON_SVG });

interface Settings {
  interval: number;
  metric: string;
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: "A sidebar of runwatch experiments and runs, with live run details.",
  autoStart: true,
  optional: [ICommandPalette, ILayoutRestorer, ISettingRegistry, INotebookTracker, IRouter],
  activate,
};

function activate(
  app: JupyterFrontEnd,
  palette: ICommandPalette | null,
  restorer: ILayoutRestorer | null,
  registry: ISettingRegistry | null,
  notebooks: INotebookTracker | null,
  router: IRouter | null,
): void {
  const settings: Settings = { interval: 10, metric: "" };
  let saved: ISettingRegistry.ISettings | null = null;
  const tracker = new WidgetTracker<MainAreaWidget<RunPanel>>({ namespace: "runwatch-run" });
  const dashboards = new WidgetTracker<MainAreaWidget<DashboardPanel>>({
    namespace: "runwatch-dashboard",
  });

  const notebook: NotebookTarget = {
    blocked: () =>
      notebooks?.currentWidget == null
        ? "Open a notebook first: the cell goes below its active cell"
        : null,
    insert: (code) => {
      const panel = notebooks?.currentWidget;
      if (panel == null) return;
      NotebookActions.insertBelow(panel.content);
      panel.content.activeCell?.model.sharedModel.setSource(code);
      app.shell.activateById(panel.id);
    },
  };

  function openRun(id: string, activate = true): MainAreaWidget<RunPanel> {
    const open = tracker.find((w) => w.content.runId === id);
    if (open !== undefined) {
      if (activate) app.shell.activateById(open.id);
      return open;
    }
    const content = new RunPanel({
      runId: id,
      interval: () => settings.interval,
      openRun: (child) => void app.commands.execute(CommandIDs.openRun, { id: child }),
      openDashboard: (experiment, parent) =>
        void app.commands.execute(CommandIDs.openDashboard, { experiment, parent }),
      notebook,
    });
    const widget = new MainAreaWidget({ content });
    widget.id = content.id;
    widget.title.icon = runwatchIcon;
    void tracker.add(widget);
    app.shell.add(widget, "main", { activate });
    return widget;
  }

  function openDashboard(
    experiment: string,
    parent: string | undefined,
    activate = true,
  ): MainAreaWidget<DashboardPanel> {
    const open = dashboards.find(
      (w) => w.content.scope.experiment === experiment && w.content.scope.parent === parent,
    );
    if (open !== undefined) {
      if (activate) app.shell.activateById(open.id);
      return open;
    }
    const content = new DashboardPanel({
      scope: parent === undefined ? { experiment } : { experiment, parent },
      interval: () => settings.interval,
      openRun: (id) => void app.commands.execute(CommandIDs.openRun, { id }),
    });
    const widget = new MainAreaWidget({ content });
    widget.id = content.id;
    widget.title.icon = runwatchIcon;
    void dashboards.add(widget);
    app.shell.add(widget, "main", { activate });
    return widget;
  }

  const sidebar = new RunwatchSidebar({
    openRun: (id) => void app.commands.execute(CommandIDs.openRun, { id }),
    openDashboard: (experiment, parent) =>
      void app.commands.execute(CommandIDs.openDashboard, { experiment, parent }),
    metricChosen: (name) => void saved?.set("metric", name),
  });
  sidebar.id = "runwatch-sidebar";
  sidebar.title.icon = runwatchIcon;
  sidebar.title.caption = "runwatch: experiments and runs";
  app.shell.add(sidebar, "left", { rank: 600 });

  notebooks?.currentChanged.connect(() => {
    tracker.forEach((w) => {
      w.content.updateInsert();
    });
  });

  app.commands.addCommand(CommandIDs.openSidebar, {
    label: "runwatch: open sidebar",
    caption: "Show the runwatch sidebar of experiments and runs",
    execute: () => {
      app.shell.activateById(sidebar.id);
    },
  });
  app.commands.addCommand(CommandIDs.refresh, {
    label: "runwatch: refresh",
    caption: "Reload the runwatch sidebar and open run panels now",
    execute: async () => {
      const panels: Promise<void>[] = [];
      tracker.forEach((w) => panels.push(w.content.refresh()));
      dashboards.forEach((w) => panels.push(w.content.refresh()));
      await Promise.all([sidebar.refresh(), ...panels]);
    },
  });
  app.commands.addCommand(CommandIDs.openRun, {
    label: (args) =>
      typeof args.id === "string" ? `runwatch: open run ${args.id}` : "runwatch: open run",
    describedBy: {
      args: {
        type: "object",
        properties: { id: { type: "string", description: "The run id" } },
        required: ["id"],
      },
    },
    execute: (args) => {
      if (typeof args.id !== "string" || args.id === "")
        throw new Error("runwatch:open-run needs an id");
      return openRun(args.id, args.activate !== false);
    },
  });
  app.commands.addCommand(CommandIDs.openDashboard, {
    label: (args) =>
      typeof args.experiment === "string"
        ? `runwatch: open experiment dashboard of ${args.experiment}`
        : "runwatch: open experiment dashboard",
    caption: "Compare the runs of an experiment (or the trials of a sweep) in a table and charts",
    describedBy: {
      args: {
        type: "object",
        properties: {
          experiment: { type: "string", description: "The experiment name" },
          parent: {
            type: "string",
            description: "A parent run id: compare its children (a sweep's trials)",
          },
        },
      },
    },
    execute: async (args) => {
      if (typeof args.experiment !== "string" || args.experiment === "") {
        // From the palette: the active run panel's run (its trials if it has any), else
        // the experiment with the latest run.
        const current = app.shell.currentWidget;
        const panel = tracker.find((w) => w === current)?.content.run;
        if (panel !== undefined)
          return openDashboard(panel.experiment, panel.child_count > 0 ? panel.id : undefined);
        const latest = await latestExperiment();
        if (latest === null) throw new Error("runwatch: no experiment to compare yet");
        return openDashboard(latest, undefined);
      }
      const parent =
        typeof args.parent === "string" && args.parent !== "" ? args.parent : undefined;
      return openDashboard(args.experiment, parent, args.activate !== false);
    },
  });
  app.commands.addCommand(CommandIDs.openFromUrl, {
    execute: (args) => {
      const id = new URLSearchParams(typeof args.search === "string" ? args.search : "").get(
        URL_PARAM,
      );
      // Open after the saved layout is restored, or the restore would cover the panel.
      if (id !== null && id !== "") void app.restored.then(() => openRun(id));
    },
  });
  router?.register({ command: CommandIDs.openFromUrl, pattern: /[?&]runwatch-run=/, rank: 10 });

  palette?.addItem({ command: CommandIDs.openSidebar, category: "runwatch" });
  palette?.addItem({ command: CommandIDs.refresh, category: "runwatch" });
  palette?.addItem({ command: CommandIDs.openDashboard, category: "runwatch" });

  if (restorer !== null) {
    restorer.add(sidebar, "runwatch-sidebar");
    void restorer.restore(tracker, {
      command: CommandIDs.openRun,
      args: (w) => ({ id: w.content.runId, activate: false }),
      name: (w) => w.content.runId,
    });
    void restorer.restore(dashboards, {
      command: CommandIDs.openDashboard,
      args: (w) => ({
        experiment: w.content.scope.experiment,
        parent: w.content.scope.parent ?? "",
        activate: false,
      }),
      name: (w) => w.content.id,
    });
  }

  if (registry !== null) {
    const apply = (loaded: ISettingRegistry.ISettings): void => {
      settings.interval = Number(loaded.get("refreshInterval").composite) || 10;
      const metric = loaded.get("metric").composite;
      settings.metric = typeof metric === "string" ? metric : "";
      sidebar.configure(settings.interval, settings.metric);
    };
    void registry.load(PLUGIN_ID).then((loaded) => {
      saved = loaded;
      apply(loaded);
      loaded.changed.connect(apply);
    });
  }
}

export default plugin;

/** The name of the experiment whose latest run is newest; null without experiments. */
async function latestExperiment(): Promise<string | null> {
  const body = await requestAPI<ExperimentList>("experiments");
  const latest = [...body.experiments].sort(
    (a, b) => (b.last_created_time ?? b.created_time) - (a.last_created_time ?? a.created_time),
  )[0];
  return latest?.name ?? null;
}
