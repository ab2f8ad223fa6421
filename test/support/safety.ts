/**
 * Loaded before every test file (vitest setupFiles): nothing in the suite may reach real AWS, and the output stays
 * quiet (known warnings off; tests that provoke error logs capture them).
 * Fake credentials, no profile, no instance metadata; clients must be given loopback endpoints explicitly.
 */
process.env.AWS_ACCESS_KEY_ID = "testing";
process.env.AWS_SECRET_ACCESS_KEY = "testing";
process.env.AWS_SESSION_TOKEN = "testing";
process.env.AWS_REGION = "us-east-1";
process.env.AWS_DEFAULT_REGION = "us-east-1";
process.env.AWS_EC2_METADATA_DISABLED = "true";
process.env.AWS_MAX_ATTEMPTS = "3";
delete process.env.AWS_PROFILE;
// Until a test sets a loopback endpoint, any SDK call goes to a closed loopback port instead of AWS.
process.env.AWS_ENDPOINT_URL = "http://127.0.0.1:9";
for (const key of Object.keys(process.env)) {
  if (key.startsWith("AWS_ENDPOINT_URL_")) delete process.env[key];
}

// The SDK warns once per process that its releases after January 2027 need Node >= 22; the suite runs on the Node 20
// this project supports, so the warning is known and only noise here. The SDK's own switch turns off just that warning
// (other warnings still print), and child processes the tests start inherit it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
