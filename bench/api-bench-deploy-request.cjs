// autocannon `setupRequest` for the deploy measurement of bench/api.bench.ts. It runs in
// autocannon's worker thread (functions cannot be passed there, only a module path), so it reads
// its settings from the environment: every request deploys a new graph into a new project.
'use strict';
const { readFileSync } = require('node:fs');
const { threadId } = require('node:worker_threads');

const template = readFileSync(process.env.SMO_BENCH_DESCRIPTOR, 'utf8');
const prefix = `${process.env.SMO_BENCH_PREFIX}${threadId}`;
let sequence = 0;

module.exports = function setupRequest(request) {
  sequence += 1;
  const id = `${prefix}-${sequence}`;
  return { ...request, path: `/project/p-${id}/graphs`, body: template.replace(/image-detection-graph/g, `g-${id}`) };
};
