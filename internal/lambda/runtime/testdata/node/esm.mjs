const started = await Promise.resolve('top-level await ok');
export const handler = async (event) => ({ esm: true, started, got: event });
