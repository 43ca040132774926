import {describeEachBackend} from './support/backends';
import {leakChecks} from './support/properties';

describeEachBackend('no tensor leaks', () => {
  for (const check of leakChecks()) it(check.name, check.run);
});
