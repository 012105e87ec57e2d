import { hostname } from 'node:os';
export const handler = async () => ({ module: 'esm', ok: typeof hostname === 'function' });
export const nested = { deep: { fn: async () => 'nested' } };
