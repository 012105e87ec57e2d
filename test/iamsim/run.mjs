// Differential-test oracle for internal/policy: reads one case per line
// (JSON) on stdin and writes one decision per line on stdout, using
// @cloud-copilot/iam-simulate's core engine. One process serves all cases.
//
// Case: {"id", "principal" (ARN or "anonymous"), "action", "resource",
//        "resourceAccount", "context": {key: string|string[]},
//        "identity": [policy...], "resourcePolicy"?, "boundary"?, "session"?}
// Output: {"id", "result": "Allowed"|"ExplicitlyDenied"|"ImplicitlyDenied"}
//         or {"id", "error": "..."}.
import { createInterface } from 'node:readline';
import { loadPolicy } from '@cloud-copilot/iam-policy';
import { anonymousPrincipal } from '@cloud-copilot/iam-simulate';
// Deep imports by path: the package's "exports" map does not expose the
// core engine, and runUnsafeSimulation drops session policies.
import { authorize } from './node_modules/@cloud-copilot/iam-simulate/dist/esm/core_engine/CoreSimulatorEngine.js';
import { DiscoveryContextKeyConstraints } from './node_modules/@cloud-copilot/iam-simulate/dist/esm/context_keys/discoveryContextKeyConstraints.js';
import { AwsRequestImpl } from './node_modules/@cloud-copilot/iam-simulate/dist/esm/request/request.js';
import { RequestContextImpl } from './node_modules/@cloud-copilot/iam-simulate/dist/esm/requestContext.js';

function run(c) {
  const principal = c.principal === 'anonymous' ? anonymousPrincipal : c.principal;
  const request = new AwsRequestImpl(
    principal,
    { resource: c.resource, accountId: c.resourceAccount },
    c.action,
    new RequestContextImpl(c.context || {})
  );
  const analysis = authorize({
    request,
    sessionPolicy: c.session ? loadPolicy(c.session, { name: 'session' }) : undefined,
    identityPolicies: (c.identity || []).map((p, i) => loadPolicy(p, { name: 'identity' + i })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: c.resourcePolicy ? loadPolicy(c.resourcePolicy, { name: 'resource' }) : undefined,
    permissionBoundaries: c.boundary ? [loadPolicy(c.boundary, { name: 'boundary' })] : undefined,
    vpcEndpointPolicies: undefined,
    simulationParameters: {
      simulationMode: 'Strict',
      discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([])
    },
    serviceSettings: { s3: {} }
  });
  return analysis.result;
}

const out = [];
const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of rl) {
  if (!line.trim()) continue;
  let c;
  try {
    c = JSON.parse(line);
    out.push(JSON.stringify({ id: c.id, result: run(c) }));
  } catch (e) { if (process.env.DBG) console.error(e.stack);
    out.push(JSON.stringify({ id: c ? c.id : null, error: String(e && e.message ? e.message : e) }));
  }
  if (out.length >= 256) {
    process.stdout.write(out.join('\n') + '\n');
    out.length = 0;
  }
}
if (out.length) process.stdout.write(out.join('\n') + '\n');
