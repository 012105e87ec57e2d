#!/usr/bin/env node
import * as cdk from 'aws-cdk-lib';
import { PetsApiStack } from '../lib/pets-api-stack';

const app = new cdk.App();
new PetsApiStack(app, 'PetsApiStack', {});
