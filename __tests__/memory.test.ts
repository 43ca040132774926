import {describeEachBackend} from './support/backends';
import {leakChecks} from './support/properties';

describeEachBackend('no tensor leaks', backend => {
  for (const check of leakChecks(0, backend)) it(check.name, check.run);
});
