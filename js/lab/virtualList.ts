/** The virtualized list lives with the shared components; the sidebar imports it from here. */

export { VirtualList } from "../components/virtualList";
export type { VirtualListSource } from "../components/virtualList";
