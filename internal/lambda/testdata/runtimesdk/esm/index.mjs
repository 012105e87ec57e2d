import sdk from '@gatehouse-test/runtime-sdk';
export const handler = async () => ({ from: sdk.where() });
