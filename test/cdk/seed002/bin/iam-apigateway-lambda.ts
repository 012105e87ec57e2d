#!/usr/bin/env node
import * as cdk from "aws-cdk-lib";
import { IamApigatewayLambdaStack } from "../lib/iam-apigateway-lambda-stack";

const app = new cdk.App();
new IamApigatewayLambdaStack(app, "IamApigatewayLambdaStack", {});
