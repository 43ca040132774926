export {odeint, odeintWithInfo} from './odeint';
export type {OdeFunction, OdeintResult} from './odeint';
export type {OdeintOptions, OdeMethod, OdeAdjoint} from './OdeintOptions';
export {vjp} from './vjp';
