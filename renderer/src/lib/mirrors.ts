/**
 * The registry-mirror list editor's operations (pure). Each answers a new list; indexes out of
 * range leave the list as it is. Order matters: dockerd tries mirrors in order.
 */
export const mirrors = {
  add: (list: readonly string[], url: string): string[] => [...list, url.trim()],
  edit: (list: readonly string[], index: number, url: string): string[] =>
    list.map((m, i) => (i === index ? url.trim() : m)),
  remove: (list: readonly string[], index: number): string[] => list.filter((_, i) => i !== index),
  /** Moves item `from` to position `to` (drag and drop, or one step with the arrow buttons). */
  move: (list: readonly string[], from: number, to: number): string[] => {
    if (from < 0 || from >= list.length || to < 0 || to >= list.length || from === to) return [...list];
    const next = [...list];
    const [item] = next.splice(from, 1);
    next.splice(to, 0, item!);
    return next;
  },
};
