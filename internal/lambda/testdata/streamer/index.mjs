// A response-streaming handler (awslambda.streamifyResponse), as the
// Lambda Node.js runtime runs it; event.mode picks the behaviour.
const pause = (ms) => new Promise((r) => setTimeout(r, ms));

export const handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
  switch (event.mode || (event.queryStringParameters || {}).mode) {
    case 'failearly':
      throw new Error('before any byte');
    case 'fail':
      responseStream.write('partial ');
      throw new Error('boom');
    case 'http': {
      const s = awslambda.HttpResponseStream.from(responseStream, { statusCode: 201, headers: { 'x-streamed': 'yes' } });
      s.write('hello ');
      s.end('http');
      return;
    }
    case 'big': {
      const block = 'x'.repeat(64 << 10);
      for (let i = 0; i < 16; i++) responseStream.write(block);
      responseStream.end();
      return;
    }
    default:
      responseStream.setContentType('text/plain');
      responseStream.write('first ');
      // The caller must see the first chunk before the function ends.
      await pause(300);
      responseStream.write('second ');
      responseStream.end(context.awsRequestId ? 'end' : 'no-context');
  }
});
