import { findLab, type Lab } from './lab';

/**
 * A describe block that needs the lab. Without one it is skipped with the reason printed — except
 * under `npm run test:karmada` (SMO_KARMADA_SUITE=required), where a missing lab is a failure.
 */
export function describeLab(name: string, body: (lab: () => Lab) => void): void {
  const found = findLab();
  if ('skipped' in found) {
    if (process.env.SMO_KARMADA_SUITE === 'required') {
      describe(name, () => {
        it('runs against the Karmada lab', () => {
          throw new Error(`npm run test:karmada needs the lab: ${found.skipped}`);
        });
      });
      return;
    }
    console.log(`[skipped] ${name}: ${found.skipped}`);
    // The reason in the suite's name: the summary reporter lists skipped suites by name.
    describe.skip(`${name} (skipped: ${found.skipped})`, () => body(() => found as never));
    return;
  }
  describe(name, () => body(() => found));
}
