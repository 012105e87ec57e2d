// gatehouse's Node.js runtime client: implements the handler conventions of
// the official AWS Lambda Node.js runtime (spec/lambda.md §3.2) over the
// Runtime API named by AWS_LAMBDA_RUNTIME_API. Written for gatehouse.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import util from 'node:util';
import { pathToFileURL } from 'node:url';

const [apiHost, apiPort] = (process.env.AWS_LAMBDA_RUNTIME_API || '').split(':');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const taskRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
const handlerString = process.env._HANDLER || '';
const runtimeName = (process.env.AWS_EXECUTION_ENV || '').replace(/^AWS_Lambda_/, '');

let currentRequestId;

// --- console: one line per call, "<time>\t<request id>\t<LEVEL>\t<message>"
function patchConsole() {
  const write = (level, args) => {
    const msg = util.format(...args).replace(/\n/g, '\r');
    fs.writeSync(1, `${new Date().toISOString()}\t${currentRequestId}\t${level}\t${msg}\n`);
  };
  console.log = (...a) => write('INFO', a);
  console.info = (...a) => write('INFO', a);
  console.warn = (...a) => write('WARN', a);
  console.error = (...a) => write('ERROR', a);
  console.debug = (...a) => write('DEBUG', a);
  console.trace = (...a) => write('TRACE', a);
  console.fatal = (...a) => write('FATAL', a);
}

// --- Runtime API client
function call(method, p, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: apiHost, port: apiPort, method, path: '/2018-06-01/runtime/' + p, agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.end(body); else req.end();
  });
}

function isErrorLike(e) {
  return e instanceof Error || (e && typeof e === 'object' && typeof e.name === 'string' && typeof e.message === 'string' && typeof e.stack === 'string');
}

function toRapid(e) {
  try {
    if (isErrorLike(e)) {
      return { errorType: e.name.replace(/\x7F/g, '%7F'), errorMessage: e.message.replace(/\x7F/g, '%7F'), trace: e.stack.replace(/\x7F/g, '%7F').split('\n') };
    }
    return { errorType: typeof e, errorMessage: String(e), trace: [] };
  } catch {
    return { errorType: 'handled', errorMessage: 'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack', trace: [] };
  }
}

class RuntimeError extends Error {
  constructor(name, message) { super(message); this.name = name; }
}

async function postError(p, err) {
  const doc = toRapid(err);
  const body = JSON.stringify(doc);
  console.error(`Invoke Error \t${body}`);
  await call('POST', p, body, { 'Content-Type': 'application/json', 'Lambda-Runtime-Function-Error-Type': doc.errorType });
}

// --- handler loading
function nearestPackageType(dir) {
  let d = dir;
  for (;;) {
    if (path.basename(d) === 'node_modules') return undefined;
    const f = path.join(d, 'package.json');
    if (fs.existsSync(f)) {
      try { return JSON.parse(fs.readFileSync(f, 'utf8')).type; } catch { return undefined; }
    }
    const up = path.dirname(d);
    if (up === d) return undefined;
    d = up;
  }
}

async function loadModule(dir, moduleName) {
  const base = path.resolve(taskRoot, dir, moduleName);
  const req = createRequire(path.join(taskRoot, '__gatehouse__.js'));
  if (fs.existsSync(base)) return req(base);
  if (fs.existsSync(base + '.js')) {
    if (nearestPackageType(path.dirname(base)) === 'module') return import(pathToFileURL(base + '.js').href);
    return req(base + '.js');
  }
  if (fs.existsSync(base + '.mjs')) return import(pathToFileURL(base + '.mjs').href);
  if (fs.existsSync(base + '.cjs')) return req(base + '.cjs');
  return req(req.resolve(moduleName, { paths: [taskRoot, path.resolve(taskRoot, dir)] }));
}

async function loadHandler() {
  if (handlerString.includes('..')) {
    throw new RuntimeError('Runtime.MalformedHandlerName', `'${handlerString}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`);
  }
  const slash = handlerString.lastIndexOf('/');
  const dir = handlerString.slice(0, slash + 1);
  const base = handlerString.slice(slash + 1);
  const dot = base.indexOf('.');
  if (dot < 0) throw new RuntimeError('Runtime.MalformedHandlerName', 'Bad handler');
  const moduleName = base.slice(0, dot);
  const propPath = base.slice(dot + 1);
  let mod;
  try {
    mod = await loadModule(dir, moduleName);
  } catch (e) {
    if (e instanceof SyntaxError) throw new RuntimeError('Runtime.UserCodeSyntaxError', String(e));
    if (e && (e.code === 'MODULE_NOT_FOUND' || e.code === 'ERR_MODULE_NOT_FOUND')) throw new RuntimeError('Runtime.ImportModuleError', String(e));
    throw e;
  }
  let fn = mod;
  for (const part of propPath.split('.')) {
    fn = fn == null ? undefined : fn[part];
  }
  if (fn === undefined && mod && mod.default && typeof mod.default === 'object') {
    // A CommonJS module imported as ESM keeps its exports under default.
    fn = mod.default;
    for (const part of propPath.split('.')) fn = fn == null ? undefined : fn[part];
  }
  if (fn === undefined) throw new RuntimeError('Runtime.HandlerNotFound', `${handlerString} is undefined or not exported`);
  if (typeof fn !== 'function') throw new RuntimeError('Runtime.HandlerNotFound', `${handlerString} is not a function`);
  const isAsync = fn.constructor && fn.constructor.name === 'AsyncFunction';
  if (/^nodejs(2[4-9]|[3-9]\d)/.test(runtimeName) && !isAsync && fn.length >= 3) {
    throw new RuntimeError('Runtime.CallbackHandlerDeprecated', 'Callback-based function handlers are not supported on this runtime. Use an async handler instead.');
  }
  return fn;
}

// --- response streaming (spec/lambda.md §1.3): awslambda.streamifyResponse
// marks a handler (event, responseStream, context) whose response goes to
// the Runtime API as a chunked POST with
// Lambda-Runtime-Function-Response-Mode: streaming; an error after the
// first byte travels in the trailers.
const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');

class HttpResponseStream {
  // from wraps a response stream for a function URL or API: the JSON
  // prelude (statusCode, headers, cookies) and eight NUL bytes come
  // before the body.
  static from(underlyingStream, prelude) {
    underlyingStream.setContentType('application/vnd.awslambda.http-integration-response');
    const metadata = JSON.stringify(prelude || {});
    underlyingStream._onBeforeFirstWrite = (write) => { write(metadata); write(new Uint8Array(8)); };
    return underlyingStream;
  }
}

globalThis.awslambda = {
  streamifyResponse(handler) {
    handler[HANDLER_STREAMING] = 'response';
    return handler;
  },
  HttpResponseStream,
};

function responseStream(id) {
  let resolveDone;
  const done = new Promise((resolve) => { resolveDone = resolve; });
  const req = http.request({
    host: apiHost, port: apiPort, method: 'POST', path: `/2018-06-01/runtime/invocation/${id}/response`, agent,
    headers: {
      'Lambda-Runtime-Function-Response-Mode': 'streaming',
      'Transfer-Encoding': 'chunked',
      'Content-Type': 'application/octet-stream',
      Trailer: 'Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body',
    },
  }, (res) => { res.resume(); res.on('end', () => resolveDone(res.statusCode)); res.on('error', () => resolveDone(0)); });
  req.on('error', () => resolveDone(0));
  let first = true;
  const before = () => {
    if (!first) return;
    first = false;
    if (req._onBeforeFirstWrite) req._onBeforeFirstWrite((c) => origWrite(c));
  };
  const origWrite = req.write.bind(req);
  const origEnd = req.end.bind(req);
  req.write = (chunk, enc, cb) => { before(); return origWrite(chunk, enc, cb); };
  req.end = (chunk, enc, cb) => { before(); return origEnd(chunk, enc, cb); };
  req.setContentType = (ct) => {
    if (req.headersSent) throw new Error('Content-Type cannot be set after the first write');
    req.setHeader('Content-Type', ct);
  };
  req.fail = (err) => {
    const doc = toRapid(err);
    console.error(`Invoke Error \t${JSON.stringify(doc)}`);
    req.addTrailers({
      'Lambda-Runtime-Function-Error-Type': doc.errorType,
      'Lambda-Runtime-Function-Error-Body': Buffer.from(JSON.stringify(doc)).toString('base64'),
    });
    if (!req.writableEnded) origEnd();
  };
  req.done = done;
  return req;
}

async function invokeStreaming(fn, id, context, event) {
  const stream = responseStream(id);
  try {
    await fn(event, stream, context);
    if (!stream.writableEnded) stream.end();
  } catch (e) {
    if (!stream.writableEnded) stream.fail(e);
  }
  await stream.done;
}

// --- invocation
let active; // { finish, waitingCallback, result, isAsync }

process.on('beforeExit', () => {
  if (!active) return;
  const a = active;
  if (a.waitingCallback) { a.finish(null, a.result); return; }
  if (a.returnedPromise) {
    a.finish(new RuntimeError('Runtime.NodeJsExit', 'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled. For more information, see https://nodejs.org/docs/latest/api/process.html#exit-codes'));
    return;
  }
  a.finish(null, null);
});

process.on('uncaughtException', async (e) => {
  try {
    if (active) await postError(`invocation/${active.id}/error`, e);
    else await postError('init/error', e);
  } finally { process.exit(129); }
});

process.on('unhandledRejection', async (reason) => {
  const e = new RuntimeError('Runtime.UnhandledPromiseRejection', isErrorLike(reason) ? `${reason.name}: ${reason.message}` : String(reason));
  try {
    if (active) await postError(`invocation/${active.id}/error`, e);
    else await postError('init/error', e);
  } finally { process.exit(128); }
});

function invoke(fn, id, headers, body) {
  return new Promise((resolve) => {
    const deadline = Number(headers['lambda-runtime-deadline-ms']);
    const a = { id, done: false, waitingCallback: false, result: undefined, returnedPromise: false };
    a.finish = async (err, result) => {
      if (a.done) return;
      a.done = true;
      try {
        if (err !== null && err !== undefined) {
          await postError(`invocation/${id}/error`, err);
        } else {
          let out;
          try {
            out = JSON.stringify(result === undefined ? null : result);
          } catch (e) {
            await postError(`invocation/${id}/error`, new RuntimeError('Runtime.MarshalError', `Unable to stringify response body: ${e.message}`));
            return;
          }
          await call('POST', `invocation/${id}/response`, out, { 'Content-Type': 'application/json' });
        }
      } finally {
        active = undefined;
        resolve();
      }
    };
    active = a;
    let clientContext, identity;
    try { if (headers['lambda-runtime-client-context']) clientContext = JSON.parse(headers['lambda-runtime-client-context']); } catch {}
    try { if (headers['lambda-runtime-cognito-identity']) identity = JSON.parse(headers['lambda-runtime-cognito-identity']); } catch {}
    const context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
      invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
      awsRequestId: id,
      clientContext,
      identity,
      getRemainingTimeInMillis: () => Math.max(deadline - Date.now(), 0),
      succeed: (r) => a.finish(null, r),
      fail: (e) => a.finish(e === undefined || e === null ? 'handled' : e),
      done: (e, r) => (e !== undefined && e !== null ? a.finish(e) : a.finish(null, r)),
    };
    const callback = (err, result) => {
      if (err !== undefined && err !== null) { a.finish(err); return; }
      if (context.callbackWaitsForEmptyEventLoop) { a.waitingCallback = true; a.result = result; return; }
      a.finish(null, result);
    };
    let event;
    try {
      event = JSON.parse(body.toString('utf8') || 'null');
    } catch (e) {
      a.finish(e);
      return;
    }
    if (fn[HANDLER_STREAMING] === 'response') {
      a.done = true;
      invokeStreaming(fn, id, context, event).finally(() => { active = undefined; resolve(); });
      return;
    }
    try {
      const ret = fn(event, context, callback);
      if (ret && typeof ret.then === 'function') {
        a.returnedPromise = true;
        ret.then((r) => a.finish(null, r), (e) => a.finish(e === undefined || e === null ? new Error('undefined') : e));
      }
    } catch (e) {
      a.finish(e);
    }
  });
}

async function main() {
  patchConsole();
  let fn;
  try {
    fn = await loadHandler();
  } catch (e) {
    const doc = toRapid(e);
    console.error(`${doc.errorType}: ${doc.errorMessage}`);
    await call('POST', 'init/error', JSON.stringify(doc), { 'Content-Type': 'application/json', 'Lambda-Runtime-Function-Error-Type': doc.errorType });
    process.exit(129);
  }
  for (;;) {
    currentRequestId = undefined;
    const res = await call('GET', 'invocation/next');
    if (res.status !== 200) {
      process.exit(1);
    }
    const id = res.headers['lambda-runtime-aws-request-id'];
    currentRequestId = id;
    const trace = res.headers['lambda-runtime-trace-id'];
    if (trace) process.env._X_AMZN_TRACE_ID = trace; else delete process.env._X_AMZN_TRACE_ID;
    await invoke(fn, id, res.headers, res.body);
  }
}

main();
