let n = 0;
exports.handler = function (event, context, callback) {
  n++;
  setTimeout(() => console.log('late timer'), 20);
  callback(null, { n, fn: context.functionName });
};
