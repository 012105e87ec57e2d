// This directory holds Node packages (the Serverless Framework and its plugins);
// its own module keeps node_modules out of gatehouse's ./... builds.
module gatehouse.invalid/test/serverless
