export * from './topics.js';
export * from './payloads.js';
export * from './rejections.js';
export * from './codec.js';
export * from './transport.js';
export * from './hook.js';
