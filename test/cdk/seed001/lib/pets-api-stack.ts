import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import {
  AuthorizationType,
  EndpointType,
  HttpIntegration,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

// gatehouse's test points the integration at a local petstore; otherwise
// this is the tutorial's code.
const PETSTORE_URL =
  process.env.PETSTORE_URL ?? 'http://petstore.execute-api.us-east-1.amazonaws.com/petstore/pets';

export class PetsApiStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const petsApi = new RestApi(this, 'PetsApi', {
      restApiName: 'PetsApi',
      description: 'AWS IAM auth demo',
      deploy: true,
      endpointTypes: [EndpointType.REGIONAL],
    });

    const pets = petsApi.root.addResource('pets');
    const getPets = pets.addMethod(
      'GET',
      new HttpIntegration(PETSTORE_URL),
      {
        // This is the most important thing!!
        authorizationType: AuthorizationType.IAM,
      }
    );

    const allowedFn = new NodejsFunction(this, 'allowed', {
      bundling: {
        target: 'es2020',
        keepNames: true,
        logLevel: LogLevel.INFO,
        sourceMap: true,
        minify: true,
      },
      runtime: Runtime.NODEJS_16_X,
      timeout: Duration.seconds(6),
      memorySize: 256,
      logRetention: RetentionDays.ONE_DAY,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        API_URL: `${petsApi.url}pets`,
      },
      functionName: 'AllowedFn',
    });

    // add permission to invoke the GET /pets endpoint
    allowedFn.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['execute-api:Invoke'],
        resources: [getPets.methodArn],
      })
    );

    // "If we don't set up proper permissions, we will receive a denied
    // response": the same function without that permission.
    new NodejsFunction(this, 'denied', {
      entry: `${__dirname}/pets-api-stack.allowed.ts`,
      bundling: {
        target: 'es2020',
        keepNames: true,
        logLevel: LogLevel.INFO,
        sourceMap: true,
        minify: true,
      },
      runtime: Runtime.NODEJS_16_X,
      timeout: Duration.seconds(6),
      memorySize: 256,
      logRetention: RetentionDays.ONE_DAY,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        API_URL: `${petsApi.url}pets`,
      },
      functionName: 'DeniedFn',
    });
  }
}
