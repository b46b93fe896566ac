import fc from 'fast-check';

// `npm test` runs every fast-check property with one fixed seed, so a run is reproducible and the suite
// cannot turn red on a case no one changed code for. Exploring new cases is the long form's job:
// `npm run test:reliability` (RELIABILITY_LONG=1) and `FC_SEED=random` use fresh random seeds;
// `FC_SEED=<n>` replays a seed a failure printed.
const choice = process.env.FC_SEED;
if (!process.env.RELIABILITY_LONG && choice !== 'random') {
  fc.configureGlobal({ seed: choice === undefined ? 20261130 : Number(choice) });
}
