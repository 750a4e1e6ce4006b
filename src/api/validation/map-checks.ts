import { isRecord } from '../../descriptor/json-value';
import { toPointer } from '../../descriptor/problem';
import type { Problem } from '../problem';

/** Problems inside a map, at pointers relative to the map (class-validator reports the map as a whole). */
type MapCheck = { name: string; problems: (value: unknown) => Problem[] };

const entriesOf = (value: unknown, message: string, entry: (key: string, item: unknown) => Problem[]): Problem[] =>
  isRecord(value) ? Object.entries(value).flatMap(([key, item]) => entry(key, item).map((p) => ({ pointer: toPointer([key]) + p.pointer, message: p.message }))) : [{ pointer: '', message }];

const amount = (value: unknown): Problem[] => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? [] : [{ pointer: '', message: 'must be a number ≥ 0' }]);

export const MAP_CHECKS = {
  amountMatrix: {
    name: 'amountMatrix',
    problems: (value) => entriesOf(value, 'must map names to {name: number ≥ 0}', (_key, row) => entriesOf(row, 'must map names to numbers ≥ 0', (_to, ms) => amount(ms))),
  },
  stringList: {
    name: 'stringList',
    problems: (value) =>
      Array.isArray(value) ? value.flatMap((item, i) => (typeof item === 'string' ? [] : [{ pointer: toPointer([i]), message: 'must be a string' }])) : [{ pointer: '', message: 'must be an array of strings' }],
  },
  stringListMap: {
    name: 'stringListMap',
    problems: (value) =>
      entriesOf(value, 'must map names to lists of strings', (_key, list) =>
        Array.isArray(list) ? list.flatMap((item, i) => (typeof item === 'string' ? [] : [{ pointer: toPointer([i]), message: 'must be a string' }])) : [{ pointer: '', message: 'must be a list of strings' }],
      ),
  },
  stringMap: {
    name: 'stringMap',
    problems: (value) => entriesOf(value, 'must map names to strings', (_key, item) => (typeof item === 'string' ? [] : [{ pointer: '', message: 'must be a string' }])),
  },
} satisfies Record<string, MapCheck>;

/** The map check a class-validator constraint name stands for, if any. */
export function mapCheckOf(constraint: string): MapCheck | undefined {
  return Object.values(MAP_CHECKS).find((check) => check.name === constraint);
}
