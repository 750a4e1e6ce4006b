import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { renderValuesYaml } from './values-yaml';

/** Built by scripts/build-tools.sh; absent on a fresh clone. */
const HELM = join(__dirname, '..', '..', '..', 'tools', 'bin', 'helm');
const helmPresent = existsSync(HELM);
const skipReason = helmPresent ? '' : ` (skipped: ${HELM} does not exist; run scripts/build-tools.sh)`;

const CONFIGMAP_TEMPLATE = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}
  namespace: {{ .Release.Namespace }}
data:
  firstCluster: {{ index .Values.clustersAffinity 0 | quote }}
  clustersAffinity: {{ .Values.clustersAffinity | join "," | quote }}
  kinds: {{ printf "%s %s %s" (kindOf .Values.looksBoolean) (kindOf .Values.looksOctal) (kindOf .Values.replicas) | quote }}
  values.json: {{ .Values | toJson | quote }}
`;

describe('values file read by the real helm', () => {
  (helmPresent ? it : it.skip)(`renders a chart from the YAML values file exactly as given (helm template)${skipReason}`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'real-helm-spec-'));
    try {
      const chart = join(dir, 'tiny');
      mkdirSync(join(chart, 'templates'), { recursive: true });
      writeFileSync(join(chart, 'Chart.yaml'), 'apiVersion: v2\nname: tiny\nversion: 0.1.0\n');
      writeFileSync(join(chart, 'templates', 'configmap.yaml'), CONFIGMAP_TEMPLATE);
      // Strings a YAML 1.1 reader (helm's) would turn into booleans, numbers, dates or merges if unquoted.
      const values = {
        clustersAffinity: ['c1', 'c2'],
        serviceImportClusters: [],
        looksBoolean: 'yes',
        looksOctal: '0o17',
        replicas: 3,
        tricky: ['on', 'n', 'Off', '1_000', '0x1F', '2001-12-14', '~', 'null', '-x', ': a', 'line1\nline2', 'é😀', ''],
        // Raw in the file, helm refuses DEL, C1 controls and U+FFFE ("control characters are not allowed"), and folds NEL into a space.
        controls: ['a\u007fb', 'a\u0085b', 'a\u0090b', 'a\ufffeb', 'tab\tnul\u0000'],
        // LS and PS are line breaks to YAML 1.1: raw in a key, helm refuses the whole file ("mapping values are not allowed").
        separators: ['a\u2028b', 'a\u2029b'],
        'key\u2028': 'x',
        'key\u2029': 'y',
        '<<': 'not a merge',
        voChartOverwrite: { clustersAffinity: ['c1'], nested: { ratio: 1.5, enabled: true, empty: {} } },
      };
      const valuesFile = join(dir, 'values.yaml');
      writeFileSync(valuesFile, renderValuesYaml(values), { mode: 0o600 });

      const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, HELM_CACHE_HOME: join(dir, 'cache'), HELM_CONFIG_HOME: join(dir, 'config'), HELM_DATA_HOME: join(dir, 'data') };
      const { stdout } = await promisify(execFile)(HELM, ['template', 'noise-reduction', chart, '--values', valuesFile, '--namespace', 'brussels'], { env, timeout: 20_000 });

      const configMap = parseAllDocuments(stdout)
        .map((document) => document.toJS() as { kind?: string; metadata?: Record<string, string>; data?: Record<string, string> } | null)
        .find((document) => document?.kind === 'ConfigMap');
      expect(configMap?.metadata).toEqual({ name: 'noise-reduction', namespace: 'brussels' });
      expect(configMap?.data?.firstCluster).toBe('c1');
      expect(configMap?.data?.clustersAffinity).toBe('c1,c2');
      expect(configMap?.data?.kinds).toBe('string string float64');
      expect(JSON.parse(configMap?.data?.['values.json'] ?? 'null')).toEqual(values);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
