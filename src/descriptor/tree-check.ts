import { DocumentPath, Problem, problemAt } from './problem';

interface Frame {
  readonly value: unknown;
  readonly path: DocumentPath;
  /** Set on the marker pushed below a node's children: popping it means the node is left. */
  readonly leaving: boolean;
}

/**
 * Checks a parsed document for nesting deeper than `maxDepth` and for cycles (a YAML alias inside the
 * node it names yields a self-containing object). Iterative, so hostile input cannot overflow the stack.
 */
export function findStructureProblem(root: unknown, maxDepth: number): Problem | undefined {
  const onPath = new Set<object>();
  const stack: Frame[] = [{ value: root, path: [], leaving: false }];
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    const { value, path } = frame;
    if (typeof value !== 'object' || value === null) continue;
    if (frame.leaving) {
      onPath.delete(value);
      continue;
    }
    if (onPath.has(value)) return problemAt(path, 'a YAML alias refers to a node that contains it (cycle)');
    if (path.length >= maxDepth) return problemAt(path, `nesting is deeper than ${maxDepth} levels`);
    onPath.add(value);
    stack.push({ value, path, leaving: true });
    const children: [string | number, unknown][] = Array.isArray(value)
      ? value.map((item, index) => [index, item])
      : Object.entries(value);
    for (const [key, child] of children.reverse()) stack.push({ value: child, path: [...path, key], leaving: false });
  }
  return undefined;
}
