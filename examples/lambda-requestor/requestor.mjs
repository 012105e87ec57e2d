// The "requestor" function of the CDK cross-account tutorial (seed 002),
// as esbuild would bundle it minus the TypeScript: it calls the IAM-backed
// API once without and once with a SigV4 signature made from the
// execution role's credentials in its environment.
import { SignatureV4 } from "@aws-sdk/signature-v4";
import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@aws-sdk/protocol-http";
import fetch from "node-fetch";
import { URL } from "url";

const v4 = new SignatureV4({
  service: "execute-api",
  region: process.env.AWS_DEFAULT_REGION || "",
  credentials: {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID || "",
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY || "",
    sessionToken: process.env.AWS_SESSION_TOKEN || "",
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
    method: "GET",
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
    const withoutRes = await fetch(url.href, request);
    const withoutJson = await withoutRes.json();
    output.without = withoutJson;
  } catch (e) {
    output.without = e;
  }
  try {
    const signedRequest = await signRequest(request);
    const withRes = await fetch(url.href, signedRequest);
    const withJson = await withRes.json();
    output.with = withJson;
  } catch (e) {
    output.with = e;
  }
  return output;
};
