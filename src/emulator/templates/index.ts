/** Fleet-provisioning template engine: parse once, render per RegisterThing request. */
export * from './types.js';
export { parseTemplateBody } from './parse.js';
export { renderTemplate } from './render.js';
export { isIntrinsic, SUPPORTED_FUNCTIONS } from './intrinsics.js';
