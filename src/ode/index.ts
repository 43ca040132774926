export {odeint, odeintWithInfo, OdeFunction, OdeintResult} from './odeint';
export {OdeintOptions, OdeMethod, OdeAdjoint} from './OdeintOptions';
export {vjp} from './vjp';
