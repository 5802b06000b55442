# Seed 004's Python verify function ("Verify Signature (Python)"), unchanged; the driver below it
# is added so the loopback receiver can run it: raw body on stdin, signature and secret as
# arguments, prints True or False.
import hashlib
import hmac
import json

def verify_webhook_signature(payload, signature, secret):
    expected_signature = hmac.new(
        secret.encode('utf-8'),
        payload,
        hashlib.sha256
    ).hexdigest()
    
    expected_header = f"sha256={expected_signature}"
    
    return hmac.compare_digest(signature, expected_header)

if __name__ == '__main__':
    import sys
    print(verify_webhook_signature(sys.stdin.buffer.read(), sys.argv[1], sys.argv[2]))
