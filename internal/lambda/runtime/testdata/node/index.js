exports.handler = async (event, context) => {
  console.log('event', JSON.stringify(event));
  if (event.do === 'error') throw new Error('bad thing');
  if (event.do === 'sleep') await new Promise((r) => setTimeout(r, event.sleep));
  if (event.do === 'exit') process.exit(2);
  if (event.do === 'hog') {
    const held = [];
    for (let i = 0; i < (event.mb || 1024) / 16; i++) held.push(Buffer.alloc(16 << 20, 1));
    return { held: held.length };
  }
  return { statusCode: 200, body: JSON.stringify({ hello: 'world' }), requestId: context.awsRequestId, remaining: context.getRemainingTimeInMillis() > 0 };
};
