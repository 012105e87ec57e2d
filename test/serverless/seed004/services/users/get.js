// The tutorial's services/users/get.main: returns the user named in the path.
exports.main = async (event) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ id: event.pathParameters && event.pathParameters.id, name: 'user ' + (event.pathParameters && event.pathParameters.id) }),
})
