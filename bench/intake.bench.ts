/**
 * Descriptor intake benchmark: `npm run bench:intake` (`-- --quick`: fewer rounds). Prints one JSON document: how long
 * `parseYamlText` (SMO's guarded YAML reading, src/descriptor/safe-yaml.ts) takes to refuse each hostile text of the
 * unit tests (about 1 MiB each, which unguarded yaml takes 3 to 50 s over), beside its parse of a large legitimate
 * document (`peer`: 1,000 services in YAML) through the same careful path (yaml's parser behind the token guard: what
 * text with CRLF line ends or tabs takes, and what decides every refusal), measured in the same run; the fast path's time
 * for that document is reported too. Each figure is the median of the rounds.
 *
 * Goal (a benchmark, not a test): no hostile text costs more than 1.5× that legitimate document SMO accepts anyway. The
 * unit tests (safe-yaml.spec.ts) check that the guard is what refuses each one; how fast lives here, since a shared
 * machine makes any time bound in a test flaky.
 */
import { DEFAULT_INTAKE_LIMITS } from '../src/descriptor/limits';
import { parseYamlText, parseYamlTextCarefully } from '../src/descriptor/safe-yaml';

const MIB = 1024 * 1024;
const ROUNDS = process.argv.includes('--quick') ? 3 : 7;
const GOAL_RATIO = 1.5;

const HOSTILE: ReadonlyArray<readonly [string, string]> = [
  ['1 MiB of "["', '['.repeat(MIB)],
  ['1 MiB of "{a: "', '{a: '.repeat(MIB / 4)],
  ['1 MiB of compact "- "', '- '.repeat(MIB / 2)],
  ['deep block indentation', Array.from({ length: 1400 }, (_, depth) => `${' '.repeat(depth)}k:`).join('\n')],
  ['1 MiB of flat keys', Array.from({ length: 100_000 }, (_, index) => `k${index}: 1`).join('\n')],
  ['1 MiB flow list', `[${'1,'.repeat(MIB / 2)}1]`],
];
const UNDER_BUDGET = Array.from({ length: 7000 }, (_, index) => `key${index}: value`).join('\n');

function medianMs(work: () => unknown): number {
  const times: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = performance.now();
    work();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return Math.round(times[Math.floor(times.length / 2)]! * 100) / 100;
}

/** A thousand services as a descriptor lists them: what the intake must parse, whatever it refuses. */
const LARGEST_ACCEPTED = [
  'hdaGraph:',
  '  id: largest',
  '  services:',
  ...Array.from({ length: 1000 }, (_, index) => {
    const id = `service-${String(index).padStart(4, '0')}`;
    return [
      `    - id: ${id}`,
      '      deployment:',
      '        trigger: {type: auto}',
      '        intent:',
      '          compute: {cpu: light, ram: light, storage: small, gpu: {enabled: "False"}}',
      `          connectionPoints: [service-${String((index + 1) % 1000).padStart(4, '0')}]`,
      '      artifact:',
      `        ociImage: oci://registry.example:5000/nephele/${id}`,
      '        ociConfig: {type: App, implementer: HELM}',
      '        valuesOverwrite: {replicaCount: 1, image: {tag: "1.2.3"}, service: {port: 8080}, resources: {limits: {cpu: 500m}}}',
    ].join('\n');
  }),
].join('\n');
const accepted = parseYamlTextCarefully(LARGEST_ACCEPTED, DEFAULT_INTAKE_LIMITS);
if (!accepted.ok) throw new Error(`the large legitimate document was refused: ${JSON.stringify(accepted.problems)}`);
const peerMs = medianMs(() => parseYamlTextCarefully(LARGEST_ACCEPTED, DEFAULT_INTAKE_LIMITS));
const fastPathMs = medianMs(() => parseYamlText(LARGEST_ACCEPTED, DEFAULT_INTAKE_LIMITS));

const hostile = HOSTILE.map(([name, text]) => {
  const outcome = parseYamlText(text, DEFAULT_INTAKE_LIMITS);
  const ms = medianMs(() => parseYamlText(text, DEFAULT_INTAKE_LIMITS));
  return { name, bytes: text.length, refused: !outcome.ok, status: outcome.ok ? null : outcome.status, ms, ratioToPeer: Math.round((ms / peerMs) * 100) / 100 };
});
const underBudgetMs = medianMs(() => parseYamlText(UNDER_BUDGET, DEFAULT_INTAKE_LIMITS));

console.log(
  JSON.stringify(
    {
      node: process.version,
      rounds: ROUNDS,
      peer: { carefulPathMs: peerMs, fastPathMs, bytes: LARGEST_ACCEPTED.length, services: 1000 },
      hostile,
      underTokenBudget: { bytes: UNDER_BUDGET.length, ms: underBudgetMs },
      goals: { everyHostileTextRefusedWithin1_5xPeer: hostile.every((entry) => entry.refused && entry.ratioToPeer <= GOAL_RATIO) },
    },
    null,
    2,
  ),
);
