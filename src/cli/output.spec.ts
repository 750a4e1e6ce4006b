import { parse } from 'yaml';
import { machineReadable, machineReadableList, printable, table } from './output';

describe('table', () => {
  it('lines columns up by the width text takes on a terminal: CJK and emoji two columns a character, a combining mark none', () => {
    const rows = [
      { name: '画像-graph', status: 'Running', services: 3 },
      { name: 'e\u0301-combining', status: 'Stopped', services: 12 },
      { name: '🚀 rocket', status: 'Failed', services: 1 },
      { name: 'plain', status: '部署中', services: 2 },
    ];
    expect(table(rows, ['name', 'status', 'services']).split('\n')).toEqual([
      'NAME         STATUS   SERVICES',
      '画像-graph   Running  3',
      'e\u0301-combining  Stopped  12',
      '🚀 rocket    Failed   1',
      'plain        部署中   2',
    ]);
  });

  it('pads an error text shown in a cell by its width too', () => {
    const rows = [
      { service: 'svc-a', error: 'イメージが見つかりません', at: 3 },
      { service: 'svc-b', error: 'image not found', at: 4 },
    ];
    expect(table(rows, ['service', 'error', 'at'], false).split('\n')).toEqual([
      'svc-a  イメージが見つかりません  3',
      'svc-b  image not found           4',
    ]);
  });
});

describe('printable', () => {
  /** The Unicode bidirectional formatting characters: ALM, LRM, RLM, LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI. */
  const BIDI = ['\u061c', '\u200e', '\u200f', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'];

  it('shows C0, DEL and C1 controls as \\uXXXX; with layout, newlines and tabs stay', () => {
    expect(printable('a\u001b[2J\tb\nc\u007f\u009b')).toBe('a\\u001b[2J\\u0009b\\u000ac\\u007f\\u009b');
    expect(printable('a\u001b[2J\tb\nc', { layout: true })).toBe('a\\u001b[2J\tb\nc');
  });

  it('shows the bidirectional formatting characters as \\uXXXX too (Trojan Source), in a line and in multi-line text', () => {
    for (const c of BIDI) {
      const escaped = `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
      expect(printable(`invoice${c}fdp.exe`)).toBe(`invoice${escaped}fdp.exe`);
      expect(printable(`line\n${c}x`, { layout: true })).toBe(`line\n${escaped}x`);
    }
    // Right-to-left text itself is no control: it is printed as it is.
    expect(printable('שלום مرحبا')).toBe('שלום مرحبا');
  });

  it('-o json and -o yaml made printable still parse back to the data, bidi characters in values and keys included', () => {
    const data = [{ name: `g\u202e1`, description: `safe\u2066 text\u2069 ${BIDI.join('')}`, [`key\u200f`]: [`multi\nline\u202b\n\n`, 'plain'] }, { name: 'other', why: 'ok\n' }];
    const json = printable(machineReadable(data, { format: 'json', headers: true })!, { layout: true });
    const yaml = printable(machineReadable(data, { format: 'yaml', headers: true })!, { layout: true });
    for (const text of [json, yaml]) expect(BIDI.filter((c) => text.includes(c))).toEqual([]);
    expect(JSON.parse(json)).toEqual(data);
    expect(parse(yaml)).toEqual(data);
    // The list printed element by element is the same document.
    const lines: string[] = [];
    const list = machineReadableList({ format: 'yaml', headers: true }, (line) => lines.push(printable(line, { layout: true })))!;
    data.forEach((element) => list.add(element));
    list.end();
    expect(lines.join('\n')).toBe(yaml);
  });
});
