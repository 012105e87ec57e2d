// Seed 004's handler path: services/users/get.main
module.exports.main = async (event) => ({ statusCode: 200, body: JSON.stringify({ user: event.pathParameters && event.pathParameters.id }) });
