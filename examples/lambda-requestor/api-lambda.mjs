// The tutorial's API function: a "hello world" behind the IAM-backed API.
export const handler = async () => {
  return {
    statusCode: 200,
    body: JSON.stringify({ hello: "world" }),
  };
};
