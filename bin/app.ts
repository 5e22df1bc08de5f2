#!/usr/bin/env node
// The CDK app (cdk.json "app"): one stage per environment, checked by cdk-nag. See lib/app.ts.
import { buildWardflowApp } from '../lib/app.js';

buildWardflowApp().app.synth();
