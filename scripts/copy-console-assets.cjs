// The console's browser assets (plain JS and CSS, not compiled) go beside the compiled console module in dist/.
const { cpSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
cpSync(join(root, 'src', 'ui', 'assets'), join(root, 'dist', 'src', 'ui', 'assets'), { recursive: true });
