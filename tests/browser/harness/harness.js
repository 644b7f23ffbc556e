// Renders both parts of the built widget with in-memory models standing in for
// anywidget's, and answers children_page like the Python side would.
// window.rw exposes the models, the sent messages and the cleanup functions.
import widget from "/src/runwatch/widgets/static/widget.js";
import { IMAGE_BYTES, bodyState, children, childrenPage, headerState } from "./sample.js";

class FakeModel {
  constructor(part, state) {
    this.part = part;
    this.state = { ...state };
    this.listeners = new Map();
    this.widget_manager = {};
  }
  get(key) {
    return this.state[key];
  }
  set(key, value) {
    this.state[key] = value;
    for (const cb of [...(this.listeners.get(`change:${key}`) ?? [])]) cb();
  }
  /** What the kernel's custom messages do: call the `msg:custom` listeners. */
  emit(event, ...args) {
    for (const cb of [...(this.listeners.get(event) ?? [])]) cb(...args);
  }
  on(event, cb) {
    if (!this.listeners.has(event)) this.listeners.set(event, []);
    this.listeners.get(event).push(cb);
  }
  off(event, cb) {
    if (event == null) return this.listeners.clear();
    if (cb == null) return this.listeners.delete(event);
    this.listeners.set(event, (this.listeners.get(event) ?? []).filter((f) => f !== cb));
  }
  listenerCount() {
    return [...this.listeners.values()].reduce((n, list) => n + list.length, 0);
  }
  send(msg) {
    window.rw.sent.push({ part: this.part, msg });
    window.rw.kernel(this, msg);
  }
  save_changes() {}
}

const params = new URLSearchParams(location.search);
document.body.classList.add(`theme-${params.get("theme") ?? "light"}`);

const now = Date.now() / 1000;
const all = children(now);
const header = new FakeModel("header", headerState(now));
const body = new FakeModel("body", bodyState(now, all));

window.rw = {
  sent: [],
  models: { header, body },
  cleanups: {},
  alerts: 0,
  // The stand-in kernel: paging and sorting happen "there", after a short delay.
  kernel(model, msg) {
    if (msg.type === "children_page" && params.get("kernel") !== "off") {
      setTimeout(() => model.set("children", childrenPage(all, msg)), 30);
    }
    if (msg.type === "want_images" && params.get("kernel") !== "off") {
      for (const key of msg.keys) {
        const bytes = IMAGE_BYTES.get(key);
        if (bytes === undefined) continue;
        const message = { type: "image", key, mime: "image/png" };
        setTimeout(() => model.emit("msg:custom", message, [new DataView(bytes.buffer)]), 10);
      }
    }
  },
};
window.alert = () => {
  window.rw.alerts += 1;
};

for (const [part, model] of Object.entries(window.rw.models)) {
  const el = document.getElementById(part);
  window.rw.cleanups[part] = await widget.render({ model, el, signal: new AbortController().signal });
}
window.rw.ready = true;
