// Logs the event it gets and returns it.
exports.handler = async (event) => {
  console.log('handling', event.do);
  return event;
};
