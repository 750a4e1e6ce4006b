import { DocumentPath, Problem, problemAt } from './problem';

interface Frame {
  readonly value: unknown;
  /** Where the value is in its parent, and the parent's frame: the path, built only for a problem. */
  readonly key: string | number | undefined;
  readonly parent: Frame | undefined;
  readonly depth: number;
  /** Set on the marker pushed below a node's children: popping it means the node is left. */
  readonly leaving: boolean;
}

/**
 * Checks a parsed document for nesting deeper than `maxDepth` and for cycles (a YAML alias inside the
 * node it names yields a self-containing object). Iterative, so hostile input cannot overflow the stack.
 * Every accepted descriptor goes through it: it allocates a frame per node and no path until it finds a
 * problem (copying the path at every node took 73 KB per Brussels deploy).
 */
export function findStructureProblem(root: unknown, maxDepth: number): Problem | undefined {
  const onPath = new Set<object>();
  const stack: Frame[] = [{ value: root, key: undefined, parent: undefined, depth: 0, leaving: false }];
  for (let frame = stack.pop(); frame !== undefined; frame = stack.pop()) {
    const { value } = frame;
    if (typeof value !== 'object' || value === null) continue;
    if (frame.leaving) {
      onPath.delete(value);
      continue;
    }
    if (onPath.has(value)) return problemAt(pathOf(frame), 'a YAML alias refers to a node that contains it (cycle)');
    if (frame.depth >= maxDepth) return problemAt(pathOf(frame), `nesting is deeper than ${maxDepth} levels`);
    onPath.add(value);
    stack.push({ ...frame, leaving: true });
    const depth = frame.depth + 1;
    if (Array.isArray(value)) {
      for (let index = value.length - 1; index >= 0; index--) stack.push({ value: value[index], key: index, parent: frame, depth, leaving: false });
    } else {
      const keys = Object.keys(value);
      for (let index = keys.length - 1; index >= 0; index--) {
        const key = keys[index]!;
        stack.push({ value: (value as Record<string, unknown>)[key], key, parent: frame, depth, leaving: false });
      }
    }
  }
  return undefined;
}

function pathOf(frame: Frame): DocumentPath {
  const path: Array<string | number> = [];
  for (let at: Frame | undefined = frame; at?.key !== undefined; at = at.parent) path.push(at.key);
  return path.reverse();
}
