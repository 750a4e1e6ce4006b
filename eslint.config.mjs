import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Layering, checked on relative import paths (the project uses no path aliases). A file `depth` folders
 * below a layer's root leaves the layer with `../` repeated depth+1 times; what follows is the folder it
 * reaches, relative to the layer root's parent. Tests (`*.spec.ts`) may reach test support code.
 *
 * - src/domain imports only src/domain and src/shared (pure helpers): events are stored, so their types
 *   must not change when an adapter or the optimiser does.
 * - projections/ import the domain and the processing contract only (the Projection interface, the host
 *   they register with, and the RecordedEvent type it hands them).
 * - src/integrations never import processors, the HTTP api or the composition root (app).
 */
const MAX_DEPTH = 4;
const up = (depth) => String.raw`^(\.\./){${depth + 1}}`;
function layer({ name, root, allowed, forbidden, message }) {
  return Array.from({ length: MAX_DEPTH + 1 }, (_, depth) => ({
    name: `layering/${name}/depth-${depth}`,
    files: [`${root}/${'*/'.repeat(depth)}*.ts`],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            allowed
              ? { regex: `${up(depth)}(?!(${allowed.join('|')})(/|$))`, message }
              : { regex: `${up(depth)}(${forbidden.join('|')})(/|$)`, message },
          ],
        },
      ],
    },
  }));
}

const layering = [
  ...layer({
    name: 'domain',
    root: 'src/domain',
    allowed: ['domain', 'shared'],
    message: 'src/domain imports only src/domain and src/shared: move the type into the domain and let the other side import it.',
  }),
  ...layer({
    name: 'projections',
    root: 'projections',
    allowed: ['src/domain', 'src/processing/projection', 'src/processing/processing-host', 'src/eventstore/event-store'],
    message: 'projections import the domain and the processing contract (Projection, ProcessingHost, RecordedEvent) only.',
  }),
  ...layer({
    name: 'integrations',
    root: 'src/integrations',
    forbidden: ['processors', 'api', 'app'],
    message: 'src/integrations are adapters: they never import processors, the HTTP api or the composition root.',
  }),
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'data/**', 'tools/**', '**/*.js', '**/*.cjs', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'off',
    },
  },
  ...layering,
);
