// The seed 000 tutorial's MyLambda.Function::FunctionHandler (.NET, which
// cannot run here) as a Node handler: it logs the API Gateway event and
// answers {"Message":"Hello World"} as JSON.
exports.handler = async (event) => {
  console.log(JSON.stringify(event));
  return {
    statusCode: 200,
    headers: { 'Content-Type': 'application/json' },
    body: '{"Message":"Hello World"}',
  };
};
