import {describeEachBackend} from './support/backends';
import {linalgChecks} from './support/linalgProperties';

describeEachBackend('ls.linalg matches float64 and is differentiable', () => {
  for (const check of linalgChecks()) it(check.name, () => check.run());
});
