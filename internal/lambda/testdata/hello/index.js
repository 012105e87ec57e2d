// The CDK tutorial's API function (seed 002): a hello-world.
exports.handler = async () => {
  return {
    statusCode: 200,
    body: JSON.stringify({ hello: "world" }),
  };
};
