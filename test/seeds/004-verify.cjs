// Seed 004's Node.js receiver code, as its document gives it ("Verify Signature (Node.js)" and the
// WebhookHandler class of "Node.js Webhook Server"), unchanged. Only the exports at the end are
// added, so the loopback receiver (test/support/seed-verifiers.ts) can run it on every delivery.
const crypto = require('crypto');

function verifyWebhookSignature(payload, signature, secret) {
  const expectedSignature = crypto
    .createHmac('sha256', secret)
    .update(payload, 'utf8')
    .digest('hex');
  
  const expectedHeader = `sha256=${expectedSignature}`;
  
  return crypto.timingSafeEqual(
    Buffer.from(signature),
    Buffer.from(expectedHeader)
  );
}

class WebhookHandler {
  constructor(secret) {
    this.secret = secret;
  }

  verifySignature(payload, signature) {
    const expectedSignature = crypto
      .createHmac('sha256', this.secret)
      .update(payload, 'utf8')
      .digest('hex');
    
    return crypto.timingSafeEqual(
      Buffer.from(signature),
      Buffer.from(`sha256=${expectedSignature}`)
    );
  }
}

module.exports = { verifyWebhookSignature, WebhookHandler };
