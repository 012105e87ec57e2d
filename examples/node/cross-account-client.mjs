// The requestor of the "Create a Cross-Account IAM Authorized APIGateway"
// tutorial (seeds/002): one request without and one with the SigV4
// signature (@aws-sdk/protocol-http HttpRequest + @aws-sdk/signature-v4),
// sent with fetch. The tutorial used node-fetch; Node's own fetch takes the
// same arguments.
import { HttpRequest } from '@aws-sdk/protocol-http';
import { SignatureV4 } from '@aws-sdk/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { URL } from 'url';

const v4 = new SignatureV4({
  service: 'execute-api',
  region: process.env.AWS_DEFAULT_REGION || '',
  credentials: {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID || '',
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY || '',
    sessionToken: process.env.AWS_SESSION_TOKEN || '',
  },
  sha256: Sha256,
});

export const signRequest = async (request) => {
  const signedRequest = await v4.sign(request);
  return signedRequest;
};

export const handler = async () => {
  const url = new URL(`${process.env.IAM_API}`);
  const request = new HttpRequest({
    hostname: url.host,
    method: 'GET',
    headers: {
      host: url.host,
    },
    path: url.pathname,
  });
  const output = {
    without: {},
    with: {},
  };
  try {
    const withoutRes = await fetch(url.href, { method: request.method });
    output.without = await withoutRes.json();
  } catch (e) {
    output.without = String(e);
  }
  try {
    const signedRequest = await signRequest(request);
    const headers = { ...signedRequest.headers };
    delete headers.host; // fetch sets Host itself (the same value that was signed)
    const withRes = await fetch(url.href, { method: signedRequest.method, headers });
    output.with = await withRes.json();
  } catch (e) {
    output.with = String(e);
  }
  return output;
};

console.log(JSON.stringify(await handler()));
