const sdk = require('@gatehouse-test/runtime-sdk');
exports.handler = async () => ({ from: sdk.where() });
