/**
 * The one way this frontend builds DOM: strings always become text nodes, so a
 * metric named `<img onerror=...>` shows as those characters and runs nothing.
 */

export type Child = Node | string | null | undefined | false;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = "",
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

/** Replace every child of `node` by `children` (strings as text). */
export function setChildren(node: Element, ...children: Child[]): void {
  node.replaceChildren(
    ...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false),
  );
}

export function button(className: string, label: string, onClick: () => void): HTMLButtonElement {
  const node = el("button", className, label);
  node.type = "button";
  node.addEventListener("click", onClick);
  return node;
}

/**
 * Make `nodes` the children of `parent`, in order, moving only nodes that are
 * out of place: re-inserting a node would reset its scroll position.
 */
export function syncChildren(parent: Element, nodes: readonly Element[]): void {
  const wanted = new Set(nodes);
  for (const child of [...parent.children]) {
    if (!wanted.has(child)) child.remove();
  }
  nodes.forEach((node, i) => {
    const current = parent.children[i];
    if (current !== node) parent.insertBefore(node, current ?? null);
  });
}

/**
 * The outermost element of a part. `data-lm-suppress-shortcuts` keeps
 * JupyterLab's notebook shortcuts (Enter, a, b, d d, ...) from acting on keys
 * pressed while a row, button or slider inside has focus.
 */
export function widgetRoot(className: string, ...children: Child[]): HTMLElement {
  const root = el("div", `rw-root ${className}`, ...children);
  root.dataset.lmSuppressShortcuts = "true";
  return root;
}

/** One labelled value of a header's meta line. */
export function metaItem(label: string, value: HTMLElement): HTMLSpanElement {
  return el("span", "rw-meta-item", el("span", "rw-meta-label", label), value);
}

/** Save `blob` as a download named `name` (a temporary object URL and link). */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = el("a", "");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 10_000);
}
