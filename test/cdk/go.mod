// This directory holds Node packages (node_modules carries the CDK's Go init templates);
// its own module keeps them out of gatehouse's ./... builds.
module gatehouse.invalid/test/cdk
