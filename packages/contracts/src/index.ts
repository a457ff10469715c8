export * from './roles.js';
export * from './session.js';
export * from './tenancy.js';
export * from './password.js';
export * from './dashboard-values.js';
export * from './dashboard.js';
export * from './first-screen-texts.js';
export * from './process-timers.js';
