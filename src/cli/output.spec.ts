import { table } from './output';

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
