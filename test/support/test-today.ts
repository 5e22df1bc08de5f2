/**
 * The "today" every synth in the tests runs on (context `wardflow:today`, lib/workflows/production-readiness.ts):
 * the review dates of the bundled workflows are checked against it, so no test starts failing on the day
 * a real review date lapses. `cdk synth` outside the tests uses the real date.
 */
export const TEST_TODAY = '2026-12-03';
