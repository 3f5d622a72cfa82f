/** The AWS SDK's IoT client against an emulator control plane, and how a test reads its errors. */
import assert from 'node:assert/strict';
import { IoTClient } from '@aws-sdk/client-iot';

// the SDK's notice about future Node.js versions is not what these tests are about
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** One SDK client, any credentials (the emulator takes them), no SDK retries (a test sees every answer). */
export function sdkClient(endpoint: string, accessKeyId = 'test'): IoTClient {
  return new IoTClient({ endpoint, region: 'eu-central-1', credentials: { accessKeyId, secretAccessKey: accessKeyId }, maxAttempts: 1 });
}

/** The error a call fails with; fails the test if it succeeds. */
export async function rejection(p: Promise<unknown>): Promise<Error & { $metadata: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { $metadata: { httpStatusCode?: number } };
  }
  assert.fail('expected the call to fail');
}
